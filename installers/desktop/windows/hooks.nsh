; Managed roll-out of the NSIS installer (per machine, run elevated, e.g. by the software
; deployment tool): the agency's server address for every user of the computer, so staff
; never type it (a user's own entry on the sign-in screen still wins):
;
;   Aduan_0.1.0_x64-setup.exe /S /SERVER=https://aduan.agency.gov.my
;
; It is written to HKLM\SOFTWARE\Aduan\Desktop\ServerUrl, where the app reads it (the same
; value the MSI's SERVERURL property sets). Without /SERVER= an existing value is kept;
; uninstalling leaves it for the next installation.
!include LogicLib.nsh
!include FileFunc.nsh

!macro NSIS_HOOK_POSTINSTALL
  ClearErrors
  ${GetOptions} $CMDLINE "/SERVER=" $R9
  ${IfNot} ${Errors}
  ${AndIf} $R9 != ""
    SetRegView 64
    WriteRegStr HKLM "SOFTWARE\Aduan\Desktop" "ServerUrl" "$R9"
    SetRegView lastused
  ${EndIf}
!macroend
