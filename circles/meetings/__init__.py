"""Meetings and scheduling (PRODUCT.md C4). The recurrence rules live in ``recurrence``."""
