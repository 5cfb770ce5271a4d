"""Domain profiles: the knowledge of one field as data (see profile.py)."""

from .profile import EMERGENCY_CATEGORIES, DomainProfile, DrugClass, ProfileError, load_profile

__all__ = ["EMERGENCY_CATEGORIES", "DomainProfile", "DrugClass", "ProfileError", "load_profile"]
