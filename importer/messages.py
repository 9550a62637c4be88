"""One message template per row-error type, so that reports can later speak other languages.

Every message says what is wrong and what the person should do about it. A template's fields
are data only: the file's values and column names, numbers, VTEX's names, codes and answers.
Whatever a person reads in English is a template, also when it is part of a sentence (why VTEX
did not activate a SKU, what became of a batch job, "(empty)", "none"): the template is
rendered and given as the field (`tests/test_messages_complete.py` follows every field to
where it is made and refuses English there). One report type may be said by several templates
(`row_error(type, template=...)`): type-error by the column's kind, out-of-range by whether
the minimum is exclusive, text-too-long by whose field it is, vtex-batch-error by what happens
next; the report's type column stays the type.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from importer.messages_es import TEMPLATES_ES
from importer.messages_pt_br import TEMPLATES_PT_BR
from importer.models import RowError
from importer.report_words import LANGUAGES

TEMPLATES: dict[str, str] = {
    "missing-cell": '"{column}" is empty. Fill it in and drop the file again.',
    # A cell that is not of its column's kind (the report's type is "type-error"): one
    # sentence per kind, so that what the cell should be is said in the report's language.
    "not-a-number": '"{column}" has "{value}", which is not a number. Correct it and drop the '
    "file again.",
    "not-a-whole-number": '"{column}" has "{value}", which is not a whole number. Correct it and '
    "drop the file again.",
    "too-many-digits": '"{column}" has "{value}", which is not a number of at most {digits} '
    "digits (round it in the export). Correct it and drop the file again.",
    "not-a-sku-id": '"{column}" has "{value}", which is not a VTEX SKU id (a whole number). '
    "Correct it and drop the file again.",
    "not-true-or-false": '"{column}" has "{value}", which is not true or false (sim/não, 1/0 '
    "also work). Correct it and drop the file again.",
    "not-a-date": '"{column}" has "{value}", which is not a date such as 2026-12-31 or '
    "31/12/2026. Correct it and drop the file again.",
    "not-a-lead-time": '"{column}" has "{value}", which is not days (e.g. 3) or VTEX\'s '
    '"dd.hh:mm:ss" (e.g. "3.12:00:00"). Correct it and drop the file again.',
    # A value outside its column's range (the report's type is "out-of-range"): the column's
    # minimum is data, whether it is exclusive picks the sentence.
    "below-minimum": '"{column}" is {value}; it must be {minimum} or more. Correct it and drop '
    "the file again.",
    "not-above-minimum": '"{column}" is {value}; it must be greater than {minimum}. Correct it '
    "and drop the file again.",
    "count-time-in-future": '"{column}" is {value}; it must be a moment already past (when the '
    "ERP counted this stock). Correct it and drop the file again.",
    "scientific-notation": '"{column}" has "{value}": Excel turned this code into a number and '
    "lost its digits. Format the column as Text in the export and export it again.",
    "control-character": '"{column}" has "{value}": it holds an invisible control character '
    "(shown as \\x and its code) that the export put there by mistake, and VTEX cannot store "
    "it. Remove it from the cell, or export the file again, and drop the file again.",
    "undecodable-text": '"{column}" has "{value}": this row is not in the same text encoding '
    "as the rest of the file, so some of its characters cannot be read (shown as \ufffd). "
    "Export the whole file again in one encoding (CSV UTF-8) and drop it again.",
    "ambiguous-decimal": 'the values of "{column}" (such as "{value}") could be read with "," or '
    '"." as the decimal separator. Set decimal = "," or "." under [flows.{flow}] in '
    "importer.toml.",
    "duplicate-key": "{key} appears again (first on row {first_row}); the first row is used and "
    "this one is ignored. Remove the duplicate row.",
    "unknown-sku": 'no SKU in VTEX has the RefId "{value}". Create it in the catalog first; the '
    "row is sent when the file is dropped again.",
    "unknown-warehouse": 'warehouse "{value}" does not exist in VTEX (known: {known}). Use one of '
    "those ids, or create the warehouse in VTEX's logistics settings.",
    "no-warehouse-known": "none",  # {known} of unknown-warehouse when VTEX lists none
    # Values that cannot go together (the report's type is "invalid-combination").
    "fixed-price-without-policy": '"fixed_price" is set but "trade_policy" is empty. Say which '
    "trade policy (or price table) the fixed price is for.",
    "price-period-incomplete": 'a fixed price period needs both "valid_from" and "valid_to". '
    "Fill in both or neither.",
    "price-period-reversed": '"valid_to" must be after "valid_from". Correct the dates.',
    "category-empty-level": '"category" has an empty level. Write the path as "Dept > Category '
    '> Sub" (or a VTEX category id).',
    "unknown-measurement-unit": '"measurement_unit" must be one of VTEX\'s units: {units}.',
    "product-column-differs": '"{column}" differs from the first row of product "{product}" '
    '("{expected}"). A product\'s columns must be the same on all its SKU rows; correct one of '
    "them.",
    "invoice-number-characters": '"invoice_number" may hold only letters, digits, ".", "-" and '
    '"_": VTEX cannot track invoices whose number has spaces, / or #. Use the number without '
    "them.",
    "invoice-type-unknown": '"invoice_type" must be Output (a sale) or Input (a return).',
    "invoice-items-format": '"items" must list sku_id:quantity or sku_id:quantity:unit_price, '
    'separated by "|" (e.g. "123:2|456:1:19.90"); leave it empty to invoice the whole order.',
    "vtex-rejected": "VTEX refused the change (HTTP {status}): {detail}. Check the row's values.",
    "vtex-unavailable": "VTEX did not confirm the change ({detail}), even after retrying. "
    "The row is pending and is retried automatically on every pass; nothing to do.",
    "vtex-forbidden": "VTEX refused the credentials (HTTP {status}). Check VTEX_APP_KEY, "
    "VTEX_APP_TOKEN and the key's License Manager roles; the row is sent again next time.",
    # A row a VTEX batch job refused (the report's type is "vtex-batch-error"): {api} is VTEX's
    # own name of the job's API (Bulk Pricing, batch inventory); {code} and {message} VTEX's.
    "vtex-batch-error-retried": "VTEX's {api} job {batch} refused this row ({code}: {message}). "
    "It is sent again on the next pass, on its own.",
    "vtex-batch-error-final": "VTEX's {api} job {batch} refused this row ({code}: {message}). "
    "Correct the row and drop the file again.",
    "batch-no-code": "no code",  # {code} when VTEX's error line has none
    "batch-no-message": "no message",  # {message} when VTEX's error line has none
    # A row of a VTEX batch job that has not settled (the report's type is
    # "vtex-batch-pending"): {what} is one of the batch-* parts below, what became of the job.
    "vtex-batch-pending": "VTEX's {api} job {batch} {what}. The row is pending and is sent "
    "again automatically; nothing to do.",
    "batch-not-finished": "has not finished yet",
    "batch-errors-untied": "reported errors it could not tie to rows, so this row is sent again "
    "to be sure",
    "batch-expired": "is no longer known to VTEX (it expired)",
    "batch-upload-expired": "was never uploaded and its upload URL expired",
    "batch-not-completed": "could not be completed ({error})",
    "batch-not-checked": "could not be checked ({error})",
    "batch-still-running": "is still {status} at VTEX",
    "batch-ended": "ended {status}: VTEX applied none of its rows",
    "batch-errors-unread": "finished, but its error file could not be read ({error})",
    "vtex-batch-holding": "VTEX's batch job {batch} with an earlier value of this row has not "
    "finished; this value waits for it. The row is pending and is sent again automatically; "
    "nothing to do.",
    # A full file that would remove too much (the file's error type is "removal-guard").
    "stock-removal-guard": "{file}: this full file would set {count} of {known} known stock "
    "rows to 0, more than max_removals ({limit}). Nothing was applied. If that is intended, "
    "raise max_removals under [flows.inventory] in importer.toml; otherwise check that the "
    "export is complete.",
    "catalog-removal-guard": "{file}: this full file would deactivate {count} of {known} known "
    "SKUs, more than max_removals ({limit}). Nothing was applied. If that is intended, raise "
    "max_removals under [flows.catalog] in importer.toml; otherwise check that the export is "
    "complete.",
    # What a full file did to a row it no longer lists (the reason of that row's outcome).
    "stock-zeroed-absent": "not in this full file: stock set to 0",
    "sku-deactivated-absent": "not in this full file: deactivated (never deleted)",
    "sku-absent-everywhere": "not in this full file, and not in VTEX either",
    "batch-without-count-time": "{rows} stock rows went in a VTEX batch inventory job, whose "
    "CSV has no column for when the stock was counted (for these rows without balance_at, "
    "the file's time): VTEX took the job's own time instead, and may have released "
    "reservations of orders that count does not reflect. To send every count with its time, "
    "set batch_without_count_time = false under [flows.inventory].",
    "internal-error": "the importer could not send this row ({detail}). It was not sent; "
    "send this report to support.",
    # Prices: a value the row carries that VTEX did not get as written (action `warning`), or
    # that VTEX cannot take at all (invalid).
    "fixed-price-only": '"{column}" is "{value}", but a price period and a minimum quantity '
    "apply only to a fixed price: VTEX's base price has neither, and would take this price at "
    'once, for every quantity. Fill in "trade_policy" and "fixed_price" for a fixed price, or '
    'empty "{column}".',
    "sku-price-conflict": '"{column}" {value} was not sent: row {first_row} gives this SKU '
    "the {column} {sent}, and a SKU has one base price, cost price and markup, whatever its "
    "fixed prices. Make the rows agree.",
    "base-price-missing": '"{column}" {value} was not sent: VTEX derives a cost price or a '
    'markup only together with a base price, and this row has no "base_price". Fill in '
    '"base_price", or empty "{column}".',
    "markup-derived": '"markup" {value} was not sent: VTEX takes two of base_price, cost_price '
    "and markup, so it derives the markup ({derived}) from base_price {base} and cost_price "
    '{cost}. Empty "markup", or empty "cost_price" to have VTEX derive the cost from it.',
    "cost-kept": '"cost_price" was emptied (it was {before}), but VTEX always holds a cost '
    "price: it has {kept} (kept, or derived from the base price and markup). Write the cost in "
    "the file (0 if there is none).",
    "markup-kept": '"markup" was emptied (it was {before}), but VTEX always holds a markup: it '
    "has {kept}, derived from the base and cost prices. Write the markup in the file, or "
    "remove the column.",
    "list-price-kept": '"list_price" was emptied (it was {before}), but VTEX still holds the '
    "list price {kept} after the price was replaced without one. Remove it in VTEX's admin, or "
    "write the list price in the file.",
    # Invoices: what VTEX's order says about a row (API-NOTES §6.5).
    "unknown-order": 'order "{order}" does not exist in VTEX (or is older than two years). '
    "Check the order id.",
    "unknown-invoice": "invoice {number} is not in VTEX for order {order}.",
    "order-not-in-handling": 'order {order} is "{status}": VTEX takes invoices from '
    '"ready-for-handling" until the order is invoiced, never for a canceled or replaced order '
    "nor one not yet paid. Check the id, or whether the order was canceled or replaced.",
    "the-order-currency": "the order's currency",
    "invoice-value-precision": "{currency} has {digits} decimal digit(s): the value cannot be "
    "sent as written (VTEX takes whole minor units). Write it with at most {digits} decimals.",
    "currency-digits-unknown": "order {order} gives its currency {digits} decimal digits, which "
    "no currency has: nothing was sent. Check the order's currency in VTEX.",
    "invoice-above-total": "the invoice is {amount} but only {left} of order {order} is left to "
    "invoice. Check the value.",
    "return-above-total": "the return is {amount} but only {left} of order {order} can be "
    "returned. Check the value.",
    "waiting-full-invoice": "a return is sent once order {order} is fully invoiced (VTEX only "
    "refunds then); retried automatically.",
    "invoice-changed": "invoice {number} was already sent with another {changed}; VTEX cannot "
    "change an invoice (only its tracking). Issue a new invoice number.",
    "invoice-changed-tracking-sent": "invoice {number} was already sent with another {changed}; "
    "VTEX cannot change an invoice (only its tracking). Issue a new invoice number. The "
    "tracking was sent.",
    "invoice-tracking-sent": "tracking sent for an invoice VTEX already has",
    "invoice-already-in-vtex": "already in VTEX: nothing sent",
    # Tracking: an invoice's events go to VTEX whole (PUT .../tracking replaces them).
    "tracking-invoice-incomplete": "not sent: row {rows} of invoice {number} (order {order}) "
    "has an error, and VTEX replaces an invoice's whole event list, so a partial list is never "
    "sent. Correct that row and drop the file again; the invoice's events are sent then.",
    "tracking-delivered-conflict": '"delivered_date" is {value} here but {first} on row '
    "{first_row} of the same invoice: an invoice is delivered once. Give its rows one "
    "delivered_date (or leave it empty on all but one).",
    "tracking-delivered-date-alone": '"delivered_date" is {value} but no row of invoice '
    '{number} says delivered = true. Set "delivered" to true, or empty the date.',
    "tracking-waiting-invoice": "invoice {number} is not in VTEX for order {order} yet: its "
    "events are sent once the invoice is (invoices flow); retried automatically.",
    "tracking-waiting-number": "invoice {number} of order {order} has no tracking number in "
    "VTEX, and VTEX takes tracking events only after it: send the tracking_number with the "
    "invoice (invoices flow); retried automatically.",
    "tracking-sent": "VTEX has this invoice's {events} events (delivered: no)",
    "tracking-sent-delivered": "VTEX has this invoice's {events} events (delivered: yes)",
    "tracking-events-dropped": "VTEX has this invoice's {events} events as this file lists "
    "them: {dropped} fewer than it had from an earlier file (a file's rows are the invoice's "
    "whole list). Add the missing events back to the file if they belong.",
    "tracking-delivered-minute": '"delivered_date" {value} was sent as {sent} (UTC): VTEX takes '
    "the delivery time to the minute (yyyy-mm-dd hh:mm), so the seconds were left out.",
    # Previews (`importer preview`): what a run would do, nothing sent.
    "preview-nothing-sent": "nothing was sent to VTEX and the file was left where it is: this "
    "is what a run would do with it now",
    "preview-sent-again": "sent again although the file matches what VTEX accepted last: an "
    "earlier attempt of this row is pending (VTEX may or may not have it), and a run settles it",
    # Guard (`[flows.<flow>.guard]`): a row beyond a person's limit is held, not sent.
    "move-rise-held": '"{column}" would rise from {old} to {new} (+{percent}%), more than the '
    "{limit}% that [flows.{flow}.guard] allows: not sent. It waits in inbox/{flow}/held/{name}.csv "
    "with a preview. If the value is right: importer approve {name}; if not: importer reject "
    "{name}, and correct the ERP.",
    "move-fall-held": '"{column}" would fall from {old} to {new} (-{percent}%), more than the '
    "{limit}% that [flows.{flow}.guard] allows: not sent. It waits in inbox/{flow}/held/{name}.csv "
    "with a preview. If the value is right: importer approve {name}; if not: importer reject "
    "{name}, and correct the ERP.",
    "approval-held": "not sent: every change of the {flow} flow waits for a person "
    '([flows.{flow}.guard] approval = "always"). It waits in inbox/{flow}/held/{name}.csv with '
    "a preview: importer approve {name} sends it, importer reject {name} drops it.",
    "undo-puts-back": "what VTEX held before {file} changed it: approving this puts it back",
    "removals-held": "not sent: {why} It is held whole instead ([flows.{flow}.guard] removals "
    '= "hold"): inbox/{flow}/held/{name}.csv, with a preview. importer approve {name} applies '
    "it, removals included; importer reject {name} drops it.",
    "held-rejected": "held by the guard and rejected by a person (importer reject): not sent. "
    "Correct the value in the ERP; its next export sends it.",
    "pending-dropped": "dropped by a person (importer pending drop): no longer retried. It came "
    "from {file}; its last error: {error}. The ERP's next file sends it if it still differs.",
    # Notices ([notify]): e-mail subjects and texts, and the webhook's "text".
    "notice-file-subject": "[importer {account}] {file} ({flow}) needs a person",
    "notice-file": "{file} ({flow}) was processed, but {invalid} row(s) are invalid, {failed} "
    "failed and {held} are held. The report {report} (attached) says what to do on each row.",
    "notice-file-refused-subject": "[importer {account}] {file} ({flow}) was refused",
    "notice-file-refused": "{file} ({flow}) was not processed, for this reason:",
    "notice-overdue-subject": "[importer {account}] no {flow} file arrived",
    "notice-overdue": "No {flow} file arrived in the last {hours} h (the last one: {last}). "
    "Check the ERP's export job and the share it writes to.",
    # Cancellations: the ERP cancels an order or denies a customer's cancellation request
    # (API-NOTES §6.7, §12.1-12.2).
    "cancellation-action-unknown": '"action" is "{value}"; it must be cancel (cancel the '
    "order) or deny (refuse the customer's cancellation request). Correct it and drop the file "
    "again.",
    "deny-reason-missing": '"reason" is empty: VTEX denies a cancellation request only with a '
    "reason (the marketplace and the customer see it). Fill it in and drop the file again.",
    "cancel-reason-missing": '"reason" is empty: every cancel carries its reason, which VTEX '
    "keeps with the order and the customer is told. Fill it in (or set one under "
    "[flows.cancellations.defaults] in importer.toml) and drop the file again.",
    "cancellation-done-before": "the {action} of order {order} was already sent, with the reason "
    '"{before}": it is sent once, so nothing was sent now, and VTEX keeps that reason. Nothing '
    "to do; tell the customer yourself if the new reason matters.",
    "cancel-already-in-vtex": "already canceled in VTEX: nothing sent",
    "canceled-with-other-reason": "order {order} was already canceled in VTEX, with the reason "
    '"{held}": nothing was sent, and VTEX keeps that reason, not this row\'s.',
    "deny-already-in-vtex": "already denied in VTEX: nothing sent",
    "denied-with-other-reason": "the cancellation request of order {order} was already denied "
    'in VTEX, with the reason "{held}": nothing was sent, and VTEX keeps that reason, not this '
    "row's.",
    "no-cancellation-request": 'order {order} is "{status}" and has no cancellation request to '
    "deny: VTEX denies a customer's request, named by its id, and this order has none. Check "
    "the order id.",
    "cancel-refused": 'VTEX refused to cancel order {order} (HTTP {status}): "{answer}". An '
    "invoiced or partially invoiced order cannot be canceled: return it with an Input invoice "
    "(inbox/invoices) instead.",
    "deny-refused": "VTEX refused to deny the cancellation request of order {order} (HTTP "
    '{status}): "{answer}". A request can be denied once, while the order is '
    '"cancellation-requested": check the order in VTEX.',
    # File-level warnings (the summary's "warnings about the file").
    "lookalike-column": 'column "{header}" was not read: it looks like {column}; add it to '
    "[flows.{flow}.columns] in importer.toml if it is.",
    # Two alternatives, as {column} of lookalike-column names them ("cost_price or markup").
    "either": "{first} or {second}",
    # Catalog: EANs are unique, image lists are split as exports write them, and a value VTEX
    # cannot store as written is said on its row (action `warning`).
    "duplicate-ean": '"ean" {value} is also on row {first_row} (SKU {first_sku}), and VTEX keeps '
    "an EAN on one SKU only: this row was not sent. Give each SKU its own EAN (or leave the "
    "cell empty) and drop the file again.",
    "ean-refused": "VTEX refused EAN {value} (HTTP {status}: {answer}); the rest of the SKU was "
    "saved without it. VTEX keeps an EAN on one SKU only: if another SKU has it, remove it "
    "there or correct this row, and drop the file again.",
    "image-urls-unsplittable": '"image_urls" has "{value}", which is not a list of image URLs: '
    'each image must be a full http(s) URL without spaces, separated by "|" (", ", ";" and '
    "line breaks are understood between URLs). Correct the cell and drop the file again.",
    # Text over VTEX's limit (the report's type is "text-too-long"): {field} is VTEX's own
    # name of the field (Name, RefId), a proper noun; whose field it is, is the template's.
    "text-too-long-product": '"{column}" has {length} characters, and VTEX takes at most '
    "{limit} in the product's {field}: this row was not sent (nothing is cut short). Shorten "
    "it and drop the file again.",
    "text-too-long-product-name": '"{column}" has {length} characters, and VTEX takes at most '
    "{limit} in the product's Name and Title: this row was not sent (nothing is cut short). "
    "Shorten it and drop the file again.",
    "text-too-long-sku": '"{column}" has {length} characters, and VTEX takes at most {limit} in '
    "the SKU's {field}: this row was not sent (nothing is cut short). Shorten it and drop the "
    "file again.",
    "value-kept": '"{column}" was emptied (it was "{before}"), but an empty cell never clears a '
    "catalog value: VTEX keeps what it has. Clear it in the VTEX admin if it must be empty.",
    "weight-rounded": '"weight_kg" {value} was sent as {sent} {unit}: VTEX keeps the packaged '
    "weight as a whole number of the store's weight unit ({unit}: weight_unit under "
    "[flows.catalog]). Check that {sent} {unit} is right; a weight in whole {unit} lands as "
    "written.",
    # Catalog: trade policies, typed specification fields and kits (README "The catalog").
    "trade-policies-invalid": '"trade_policies" has "{value}", which is not a list of trade '
    'policy ids (whole numbers separated by "|", such as 1|2). Correct it, or empty the cell to '
    "leave the product's trade policies as they are, and drop the file again.",
    "trade-policy-refused": "VTEX refused to link the product to trade policy {policy} (HTTP "
    "{status}: {answer}); its other trade policies were set. Check that trade policy {policy} "
    'exists in VTEX, correct "trade_policies" and drop the file again.',
    "spec-types-invalid": '"spec_types" has "{value}", which is not a list of name:type entries '
    'such as Cor:Combo|Material:Text (one entry per specification, separated by "|"). '
    "Correct it and drop the file again.",
    "spec-type-unknown": '"spec_types" gives {name} the type "{kind}", which VTEX does not have. '
    "VTEX's types are: {types}. Correct it and drop the file again.",
    "spec-type-no-column": '"spec_types" names {name}, but the file has no column '
    "product_spec:{name} or sku_spec:{name}. Add the column, or take {name} out of "
    '"spec_types", and drop the file again.',
    "spec-type-ambiguous": '"spec_types" names {name}, and the file has both product_spec:{name} '
    "and sku_spec:{name}: write product_spec:{name}:{kind} or sku_spec:{name}:{kind}, and drop "
    "the file again.",
    "spec-type-sku": '"spec_types" gives SKU specification {name} the type {kind}, but VTEX '
    "takes only Combo or Radio for SKU specifications (they are the SKU selectors). Correct "
    "it and drop the file again.",
    "spec-type-differs": "specification {name} already exists in VTEX as {held}, not {wanted} "
    'as "spec_types" says: it was not created again, and the values went to the existing '
    "field. Change its type in the VTEX admin if {wanted} is right.",
    "kit-components-invalid": '"kit_components" has "{value}", which is not a list of '
    "sku_ref:quantity:unit_price entries such as S1:2:19.90|S2:1:5 (each component once, its "
    "quantity a whole number of 1 or more, and the unit price VTEX requires per component). "
    "Correct it and drop the file again.",
    "kit-component-self": '"kit_components" lists the SKU itself ({value}): a kit is made of '
    "other SKUs. Correct it and drop the file again.",
    "kit-component-unknown": "kit component {refs} is not a SKU in VTEX (nor one this file "
    "saved), so the kit was not changed. Create that SKU first (in this file or an earlier "
    "one) and drop the file again.",
    # Catalog: what VTEX did with a product or SKU
    # (the reason of its row's outcome). Fields carry data; a sentence made of parts, such as
    # why VTEX did not activate a SKU, joins one template per part.
    "product-changed": "product: {changes}",
    # What an updated row changed (its report line): one change, and how an empty side is shown.
    "value-changed": "{column}: {before} -> {after}",
    "empty-value": "(empty)",
    "product-failed": "the product failed",
    "product-not-saved": 'not sent: product "{product}" was not saved ({product_reason})',
    "category-failed": "category {value} failed",
    "brand-failed": "brand {value} failed",
    "category-not-created": 'category "{path}" could not be created in VTEX (HTTP {status}): '
    "{answer}",
    "brand-not-created": 'brand "{brand}" could not be created in VTEX (HTTP {status}): '
    "{answer}. Create it in VTEX, or give the key the Brands Management role.",
    "brand-unknown": 'brand "{brand}" does not exist in VTEX, and this importer does not create '
    "brands (create_brands = false). Create it in VTEX or correct the name.",
    "sku-create-needs": "VTEX needs {columns} to create a SKU. Fill them in, or set defaults "
    "under [flows.catalog.defaults] in importer.toml.",
    "image-refused": "VTEX refused image {position} ({url}) (HTTP {status}): {answer}. Use a "
    "public https URL ending in .jpg, .png or .gif.",
    "not-activated": "the SKU was saved but VTEX did not activate it: {reasons}.",
    "inactive-no-image": "it has no image (add an image URL)",
    "inactive-no-ref-or-ean": "it has neither RefId nor EAN",
    "inactive-kit": "it is a kit and none of its components is active (VTEX activates a kit "
    "only with an active component)",
    "inactive-product": "its product is inactive",
    "inactive-brand": "its brand is inactive",
    "inactive-category": "its category is inactive",
    "inactive-spec-empty": "SKU specification {specs} is empty (VTEX needs every SKU "
    "specification of the category filled)",
    "inactive-rules-unmet": "VTEX's activation rules are not met (image, RefId or EAN, active "
    "product, brand and category)",
    # Catalog: categories and brands as VTEX's ERP guide sets them up (publish_new,
    # default_category). What was created inactive, and a SKU not activated under it, is said
    # on the product's line and the SKU's row (action `warning`).
    "created-inactive-category": 'category "{path}" was created inactive (publish_new = false): '
    "activate it in the Admin once its products are enriched (VTEX activates no SKU under an "
    "inactive category).",
    "created-inactive-default": 'the default category "{path}" was created inactive, as VTEX\'s '
    "ERP guide keeps its integration category (default_category): the store's team moves the "
    "products from it to their categories in the Admin.",
    "created-inactive-brand": 'brand "{brand}" was created inactive (publish_new = false): '
    "activate it in the Admin once its products are enriched (VTEX activates no SKU of an "
    "inactive brand).",
    "default-category-filed": 'the file has no "category" column: the new product was filed '
    'under the default category "{category}" (default_category). Move it to its category in '
    "the Admin.",
    "category-no-free-id": 'category "{path}" could not be created inactive: the {tried} Ids '
    "after the largest known one all belong to categories VTEX's tree does not list (inactive "
    "ones). Give the category's VTEX id in the file, or activate the category it should be.",
    "category-column-missing": '{file}: column "category" is missing (or empty on every row). '
    'Map it in importer.toml [flows.catalog.columns], e.g. category = ["<your header>"], or set '
    '[flows.catalog] default_category = "Integration" to file new products under an inactive '
    "category for the store's team to move.",
    "activation-held": "the SKU was saved but not activated: {reasons}, and VTEX activates no "
    "SKU then. Activate them in the Admin once the products are enriched, then the SKU (the "
    "importer does not try again until the row changes).",
    # `importer reconcile`: what VTEX holds now for a key the importer sent (the drift report).
    "reconcile-changed": 'VTEX now holds "{now}" for "{column}" where the importer sent '
    '"{sent}" (changed in the Admin?). The next file that lists this key sends the file\'s value '
    "again; to keep VTEX's value, change it in the ERP too.",
    "reconcile-missing": 'VTEX no longer holds "{column}" for this key (the importer sent '
    '"{sent}"). The next file that lists this key sends it again.',
    "reconcile-unreadable": "VTEX refused to read this key back (HTTP {status}), so it was not "
    "compared. Check the SKU in VTEX; the next reconcile reads it again.",
    # `importer reconcile catalog` and `[flows.catalog] owners`: a column the Admin owns is
    # sent when the importer creates the product or SKU, never by an update.
    "reconcile-kept": 'VTEX now holds "{now}" for "{column}" where the importer sent "{sent}": '
    "kept, because the Admin owns this column ([flows.catalog] owners). The next file does not "
    "send it and says so on its row; to have the ERP's value, change the column's owner to erp.",
    "admin-owned-kept": '"{column}" is "{value}" in the file but was not sent: the Admin owns '
    'this column ([flows.catalog] owners) and VTEX keeps "{held}". The importer sends it only '
    "when it creates the product or SKU; change it in the Admin, or make the ERP its owner.",
    "admin-owned-not-sent": '"{column}" is "{value}" in the file but was not sent: the Admin '
    "owns this column ([flows.catalog] owners) and VTEX keeps its own value. The importer sends "
    "it only when it creates the product or SKU; change it in the Admin, or make the ERP its "
    "owner.",
}


# The same templates in the reader's languages (`[report] language`), same fields exactly
# (tests/test_messages_translated.py holds them to it).
TRANSLATIONS: dict[str, dict[str, str]] = {"pt-BR": TEMPLATES_PT_BR, "es": TEMPLATES_ES}

# The language the sentences made now are for. A reason is rendered deep in a flow, when its
# outcome is made, so the language is set around a file's processing, a pass's own report, a
# preview and the notices (`speaking`) rather than handed through every stage.
_speaking: ContextVar[str] = ContextVar("report_language", default="en")


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Render every sentence made inside the block in `language` ("en", "pt-BR", "es")."""
    if language not in LANGUAGES:
        raise ValueError(f"no report language {language!r}: one of {', '.join(LANGUAGES)}")
    token = _speaking.set(language)
    try:
        yield
    finally:
        _speaking.reset(token)


def speaking_now() -> str:
    """The language `render` speaks in here."""
    return _speaking.get()


def render(type: str, **fields: object) -> str:
    """The sentence for one problem; unknown fields in a template are a programming error.

    In the language of the enclosing `speaking` block. A template not translated yet (one
    added by a change that did not translate it) is said in English rather than not at all."""
    template = TEMPLATES[type]
    translated = TRANSLATIONS.get(_speaking.get())
    if translated is not None:
        template = translated.get(type, template)
    return template.format(**fields)


def row_error(
    type: str,
    *,
    template: str | None = None,
    row: int | None,
    column: str | None = None,
    value: str | None = None,
    key: str | None = None,
    **fields: object,
) -> RowError:
    """A row's problem of `type`, said by the template of that name (or by `template`, when
    one type has several sentences: the report's type column stays the same)."""
    message = render(template or type, column=column, value=value, key=key, **fields)
    return RowError(type=type, row=row, column=column, value=value, message=message, key=key)
