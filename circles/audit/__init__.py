"""The audit log: who did what to which object, for an organisation's admins to read.

Other features record entries through :mod:`circles.audit.services`; the blueprint lives in
:mod:`circles.audit.views` (imported by the app factory), so recording never imports pages.
"""
