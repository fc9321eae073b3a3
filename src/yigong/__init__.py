"""yigong (医共): engine and platform for close county medical communities."""

__version__ = "0.1.0"
