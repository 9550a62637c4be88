"""The sandbox's orders as an ERP needs them (issue 12): order replacement, currencies, and the
strict invoice rules being a setting of the sandbox, not of its state."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.sandbox import Sandbox

ALL = ["ready-for-handling", "replaced", "canceled"]


def configured(box: Sandbox) -> None:
    box.store.feed_config = {
        "filter": {"type": "FromWorkflow", "status": ALL},
        "queue": {"visibilityTimeoutInSeconds": 240, "messageRetentionPeriodInSeconds": 345600},
    }


def test_a_replacement_is_a_new_ready_order_and_the_old_one_is_replaced() -> None:
    box = Sandbox(spec_dir=None)
    configured(box)
    old = box.add_order([{"id": 1, "quantity": 2, "price": 1500}], shipping=0, tax=0)
    new = box.replace_order(old["orderId"], address={"city": "Campinas"})
    assert box.order_status(old["orderId"]) == "replaced"
    assert new["status"] == "ready-for-handling" and new["orderId"] != old["orderId"]
    assert new["shippingData"]["address"]["city"] == "Campinas"
    assert new["clientProfileData"]["email"] == old["clientProfileData"]["email"]
    assert [(i["id"], i["quantity"]) for i in new["items"]] == [("1", 2)]
    [change] = new["changesAttachment"]["changesData"]
    assert change["receipt"]["orderId"] == old["orderId"]
    events = [(e["orderId"], e["state"]) for e in box.feed_pending()]
    assert (old["orderId"], "replaced") in events and (
        new["orderId"],
        "ready-for-handling",
    ) in events


@pytest.mark.parametrize("status", ["invoiced", "cancellation-requested", "canceled", "replaced"])
def test_vtex_replaces_no_order_that_is_invoiced_or_being_canceled(status: str) -> None:
    box = Sandbox(spec_dir=None)
    order = box.add_order([{"id": 1}], status=status)
    with pytest.raises(ValueError, match="cannot be replaced"):
        box.replace_order(order["orderId"])
    assert len(box.orders) == 1


def test_an_order_in_another_currency_says_so_in_its_store_preferences() -> None:
    box = Sandbox(spec_dir=None)
    clp = box.add_order([{"id": 1, "price": 19990}], currency="CLP")["storePreferencesData"]
    assert (clp["currencyCode"], clp["currencyFormatInfo"]["CurrencyDecimalDigits"]) == ("CLP", 0)
    other = box.add_order([{"id": 1}], currency="XAU", decimal_digits=4)["storePreferencesData"]
    assert other["currencyFormatInfo"]["CurrencyDecimalDigits"] == 4
    with pytest.raises(ValueError, match="decimal_digits"):
        box.add_order([{"id": 1}], currency="XAU")


def test_strict_is_a_setting_of_the_sandbox_and_survives_a_reload(tmp_path: Path) -> None:
    box = Sandbox(spec_dir=None, state_file=tmp_path / "state.json", strict=True)
    box.add_order([{"id": 1}])
    box.save()
    box.load()
    assert box.store.strict is True
    assert Sandbox(spec_dir=None, state_file=tmp_path / "state.json").store.strict is False
