"""Which adapter polls which courier. Couriers not listed here are not polled."""

from importlib import import_module

from trackline.carriers.base import CarrierAdapter
from trackline.carriers.settings import carrier_settings

# slug -> (module, class); imported on first use so a worker loads only the carriers it polls.
ADAPTERS: dict[str, tuple[str, str]] = {
    "ups": ("trackline.carriers.ups", "UpsAdapter"),
    "fedex": ("trackline.carriers.fedex", "FedexAdapter"),
    "usps": ("trackline.carriers.usps", "UspsAdapter"),
    "dhl": ("trackline.carriers.dhl", "DhlAdapter"),
}
SANDBOX = "sandbox"


def pollable_slugs(sandbox_enabled: bool) -> frozenset[str]:
    return frozenset(ADAPTERS) | ({SANDBOX} if sandbox_enabled else frozenset())


def adapter_for(slug: str, *, sandbox_enabled: bool) -> CarrierAdapter | None:
    """The adapter for a courier, or None when it cannot be polled (unknown or no credentials)."""
    if slug == SANDBOX:
        if not sandbox_enabled:
            return None
        from trackline.carriers.sandbox import SandboxAdapter

        return SandboxAdapter()
    if slug not in ADAPTERS:
        return None
    settings = carrier_settings(slug)
    if settings is None:
        return None
    module_name, class_name = ADAPTERS[slug]
    return getattr(import_module(module_name), class_name)(settings)
