"""Encoding damage, as string algorithms: which legacy encoding bytes are in, and mojibake runs.

- :mod:`.detect`: which legacy encoding a file that is not UTF-8 is in (used by the reader).
- :mod:`.locate`: the damaged runs of a text -- mojibake, lossless or lossy -- with repairs;
  built on :mod:`.mojibake` (single-byte code pages, through ftfy where ftfy is right),
  :mod:`.cjk` (UTF-8 read as GBK/GB18030/Big5/Shift-JIS/EUC-KR and the reverse),
  :mod:`.lossy` (reading bytes back with candidates for lost ones) and
  :mod:`.langmodel` (wordfreq's word frequencies, the lattice that picks candidates).

The glue that runs this over a parsed note for the encoding rules is
:mod:`vaultkit.rulekit.encoding`.
"""
