"""The code systems and identifier systems of yigong's FHIR resources, in one place.

International systems are used where the concept has one (SNOMED CT for "patient referral",
HL7 terminology for Task codes and the pseudonymisation label, WHO ICD-10 for the three-character
category of a diagnosis). The Chinese national codes have no HL7-registered URI, so each gets a
stable ``urn:yigong:`` URI naming the national standard it carries; a receiving platform maps
them onto its own NamingSystem (``docs/interop.md`` lists them).
"""

from __future__ import annotations

#: SNOMED CT (international edition)
SNOMED = "http://snomed.info/sct"
#: SNOMED CT 3457005 |Patient referral (procedure)|
SNOMED_PATIENT_REFERRAL = ("3457005", "Patient referral")
#: WHO ICD-10: the three-character category of the national (医保版) code
ICD10_WHO = "http://hl7.org/fhir/sid/icd-10"
#: ICD-10 医保版 (NHSA edition) diagnosis codes, a refinement of WHO ICD-10
ICD10_NHSA = "urn:yigong:icd-10-nhsa"
#: HL7 Task codes (``fulfill``: fulfil the focal request)
TASK_CODE = "http://terminology.hl7.org/CodeSystem/task-code"
#: HL7 v3 ObservationValue: the security label ``PSEUDED`` (pseudonymised)
V3_OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"

#: GB/T 2260 administrative division codes (行政区划代码; 统计用区划代码 below the county)
DIVISION = "urn:yigong:gb-t-2260"
#: institution codes as ingested (医保定点医药机构编码 / 组织机构代码)
INSTITUTION = "urn:yigong:institution"
#: the patient pseudonym: HMAC-SHA256 of the identity number under the warehouse key
PATIENT_PSEUDONYM = "urn:yigong:patient-pseudonym"
#: yigong referral ids (``RFS-…``)
REFERRAL = "urn:yigong:referral"
#: the referral's Chinese step vocabulary (已申请, 已审核, …): Task.businessStatus
REFERRAL_STATUS = "urn:yigong:referral-status"
#: the steps (申请, 审核, 应答, 到诊, 回传, …): Provenance.activity
REFERRAL_ACTION = "urn:yigong:referral-action"
#: 上转 / 下转
REFERRAL_DIRECTION = "urn:yigong:referral-direction"
#: 医共体内 / 医共体间 / 县外
REFERRAL_SCOPE = "urn:yigong:referral-scope"
#: 门诊转诊 / 住院转诊
REFERRAL_SETTING = "urn:yigong:referral-setting"
#: users of yigong (Provenance.agent.who)
USER = "urn:yigong:user"
