/**
 * ModemManager enum values, as in ModemManager-enums.h of MM 1.20.4 (Debian modemmanager-dev).
 * Only the values the simulator produces or checks are listed.
 */
export const ModemState = {
  FAILED: -1,
  UNKNOWN: 0,
  INITIALIZING: 1,
  LOCKED: 2,
  DISABLED: 3,
  DISABLING: 4,
  ENABLING: 5,
  ENABLED: 6,
  SEARCHING: 7,
  REGISTERED: 8,
  DISCONNECTING: 9,
  CONNECTING: 10,
  CONNECTED: 11,
} as const;

export const ModemStateFailedReason = {
  NONE: 0,
  UNKNOWN: 1,
  SIM_MISSING: 2,
  SIM_ERROR: 3,
  UNKNOWN_CAPABILITIES: 4,
  ESIM_WITHOUT_PROFILES: 5,
} as const;

export const ModemStateChangeReason = { UNKNOWN: 0, USER_REQUESTED: 1, SUSPEND: 2, FAILURE: 3 } as const;

export const PowerState = { UNKNOWN: 0, OFF: 1, LOW: 2, ON: 3 } as const;

export const ModemLock = { UNKNOWN: 0, NONE: 1, SIM_PIN: 2, SIM_PIN2: 3, SIM_PUK: 4, SIM_PUK2: 5 } as const;

export const BearerIpMethod = { UNKNOWN: 0, PPP: 1, STATIC: 2, DHCP: 3 } as const;

/** ANY is 0xFFFFFFF7 in MM 1.20 (all IP families, NON_IP excluded); MM 1.24 changed the ABI to 0xFFFFFFFF. */
export const BearerIpFamily = { NONE: 0, IPV4: 1, IPV6: 2, IPV4V6: 4, NON_IP: 8, ANY: 0xfffffff7 } as const;

export const BearerType = { UNKNOWN: 0, DEFAULT: 1, DEFAULT_ATTACH: 2, DEDICATED: 3 } as const;

export const Modem3gppRegistrationState = {
  IDLE: 0,
  HOME: 1,
  SEARCHING: 2,
  DENIED: 3,
  UNKNOWN: 4,
  ROAMING: 5,
  HOME_SMS_ONLY: 6,
  ROAMING_SMS_ONLY: 7,
  EMERGENCY_ONLY: 8,
  HOME_CSFB_NOT_PREFERRED: 9,
  ROAMING_CSFB_NOT_PREFERRED: 10,
  ATTACHED_RLOS: 11,
} as const;

export const Modem3gppPacketServiceState = { UNKNOWN: 0, DETACHED: 1, ATTACHED: 2 } as const;

export const AccessTechnology = {
  UNKNOWN: 0,
  POTS: 1 << 0,
  GSM: 1 << 1,
  GSM_COMPACT: 1 << 2,
  GPRS: 1 << 3,
  EDGE: 1 << 4,
  UMTS: 1 << 5,
  HSDPA: 1 << 6,
  HSUPA: 1 << 7,
  HSPA: 1 << 8,
  HSPA_PLUS: 1 << 9,
  '1XRTT': 1 << 10,
  EVDO0: 1 << 11,
  EVDOA: 1 << 12,
  EVDOB: 1 << 13,
  LTE: 1 << 14,
  '5GNR': 1 << 15,
  LTE_CAT_M: 1 << 16,
  LTE_NB_IOT: 1 << 17,
} as const;

export const ModemMode = { NONE: 0, CS: 1, '2G': 2, '3G': 4, '4G': 8, '5G': 16, ANY: 0xffffffff } as const;

export const ModemCapability = {
  NONE: 0,
  POTS: 1,
  CDMA_EVDO: 2,
  GSM_UMTS: 4,
  LTE: 8,
  IRIDIUM: 32,
  '5GNR': 64,
} as const;

export const ModemPortType = {
  UNKNOWN: 1,
  NET: 2,
  AT: 3,
  QCDM: 4,
  GPS: 5,
  QMI: 6,
  MBIM: 7,
  AUDIO: 8,
  IGNORED: 9,
} as const;

export const LocationSource = {
  NONE: 0,
  '3GPP_LAC_CI': 1,
  GPS_RAW: 2,
  GPS_NMEA: 4,
  CDMA_BS: 8,
  GPS_UNMANAGED: 16,
  AGPS_MSA: 32,
  AGPS_MSB: 64,
} as const;

export const SimType = { UNKNOWN: 0, PHYSICAL: 1, ESIM: 2 } as const;
export const SimEsimStatus = { UNKNOWN: 0, NO_PROFILES: 1, WITH_PROFILES: 2 } as const;
export const SimRemovability = { UNKNOWN: 0, REMOVABLE: 1, NOT_REMOVABLE: 2 } as const;

export const Modem3gppNetworkAvailability = { UNKNOWN: 0, AVAILABLE: 1, CURRENT: 2, FORBIDDEN: 3 } as const;
