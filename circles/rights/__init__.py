"""Data rights: a person downloads everything Circles holds about them, or erases their account
(the blueprint is in :mod:`circles.rights.views`)."""
