"""Drugs and consumables (药品耗材): one community catalogue, volume-based procurement, drug use.

Pure engine: volume-based procurement (agreed-volume completion, savings against the pre-VBP
price, the retained insurance fund feeding the 60–70 % split, platform purchase share, unified
distribution inside the community) and the WHO DDD facts the drug-use indicators need. Drug-use
monitoring itself is the indicator catalog's `drug-use-2024` pack. Inputs are plain rows and
`Money`; nothing here opens a warehouse.
"""
