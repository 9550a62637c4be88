"""The row reasons of `importer.messages` in Spanish (`[report] language = "es"`).

Same names and the same `{fields}` as `TEMPLATES`, said as VTEX's Spanish Admin says it (SKU,
política comercial, lista de precios, inventario, almacén, factura, pedido). Column names,
VTEX's API field names, settings and commands stay as they are: the reader types them.
"""

from __future__ import annotations

TEMPLATES_ES: dict[str, str] = {
    "missing-cell": '"{column}" está vacío. Complételo y vuelva a enviar el archivo.',
    "not-a-number": '"{column}" tiene "{value}", que no es un número. Corríjalo y vuelva a '
    "enviar el archivo.",
    "not-a-whole-number": '"{column}" tiene "{value}", que no es un número entero. Corríjalo y '
    "vuelva a enviar el archivo.",
    "too-many-digits": '"{column}" tiene "{value}", que no es un número de como máximo {digits} '
    "dígitos (redondéelo en la exportación). Corríjalo y vuelva a enviar el archivo.",
    "not-a-sku-id": '"{column}" tiene "{value}", que no es un id de SKU de VTEX (un número '
    "entero). Corríjalo y vuelva a enviar el archivo.",
    "not-true-or-false": '"{column}" tiene "{value}", que no es verdadero o falso (sim/não, 1/0 '
    "también sirven). Corríjalo y vuelva a enviar el archivo.",
    "not-a-date": '"{column}" tiene "{value}", que no es una fecha como 2026-12-31 o 31/12/2026. '
    "Corríjalo y vuelva a enviar el archivo.",
    "not-a-lead-time": '"{column}" tiene "{value}", que no es un número de días (p. ej. 3) ni el '
    'formato "dd.hh:mm:ss" de VTEX (p. ej. "3.12:00:00"). Corríjalo y vuelva a enviar el '
    "archivo.",
    "below-minimum": '"{column}" es {value}; debe ser {minimum} o más. Corríjalo y vuelva a '
    "enviar el archivo.",
    "not-above-minimum": '"{column}" es {value}; debe ser mayor que {minimum}. Corríjalo y '
    "vuelva a enviar el archivo.",
    "count-time-in-future": '"{column}" es {value}; debe ser un momento ya pasado (cuando el ERP '
    "contó este inventario). Corríjalo y vuelva a enviar el archivo.",
    "scientific-notation": '"{column}" tiene "{value}": Excel convirtió este código en un número '
    "y perdió dígitos. Dé formato de Texto a la columna en la exportación y vuelva a exportar.",
    "control-character": '"{column}" tiene "{value}": contiene un carácter de control invisible '
    "(mostrado como \\x y su código) que la exportación puso ahí por error, y VTEX no puede "
    "guardarlo. Quítelo de la celda, o vuelva a exportar el archivo, y vuelva a enviar el "
    "archivo.",
    "undecodable-text": '"{column}" tiene "{value}": esta fila no está en la misma codificación '
    "de texto que el resto del archivo, así que algunos caracteres no se pueden leer (se "
    "muestran como \ufffd). Vuelva a exportar todo el archivo en una sola codificación (CSV "
    "UTF-8) y vuelva a enviarlo.",
    "ambiguous-decimal": 'los valores de "{column}" (como "{value}") pueden leerse con "," o "." '
    'como separador decimal. Defina decimal = "," o "." en [flows.{flow}] de importer.toml.',
    "duplicate-key": "{key} aparece otra vez (primero en la fila {first_row}); se usa la primera "
    "fila y esta se ignora. Elimine la fila repetida.",
    "unknown-sku": 'ningún SKU de VTEX tiene el RefId "{value}". Créelo primero en el catálogo; '
    "la fila se envía cuando se vuelva a enviar el archivo.",
    "unknown-warehouse": 'el almacén "{value}" no existe en VTEX (existentes: {known}). Use uno '
    "de esos ids, o cree el almacén en la configuración de logística de VTEX.",
    "no-warehouse-known": "ninguno",
    "fixed-price-without-policy": '"fixed_price" tiene valor pero "trade_policy" está vacío. '
    "Indique para qué política comercial (o lista de precios) es el precio fijo.",
    "price-period-incomplete": 'un período de precio fijo necesita "valid_from" y "valid_to". '
    "Complete los dos o ninguno.",
    "price-period-reversed": '"valid_to" debe ser posterior a "valid_from". Corrija las fechas.',
    "category-empty-level": '"category" tiene un nivel vacío. Escriba la ruta como '
    '"Departamento > Categoría > Subcategoría" (o un id de categoría de VTEX).',
    "unknown-measurement-unit": '"measurement_unit" debe ser una de las unidades de VTEX: {units}.',
    "product-column-differs": '"{column}" difiere de la primera fila del producto "{product}" '
    '("{expected}"). Las columnas de un producto deben ser iguales en todas las filas de sus '
    "SKU; corrija una de ellas.",
    "invoice-number-characters": '"invoice_number" solo puede tener letras, dígitos, ".", "-" y '
    '"_": VTEX no puede rastrear facturas cuyo número tenga espacios, / o #. Use el número sin '
    "ellos.",
    "invoice-type-unknown": '"invoice_type" debe ser Output (una venta) o Input (una devolución).',
    "invoice-items-format": '"items" debe listar sku_id:cantidad o '
    'sku_id:cantidad:precio_unitario, separados por "|" (p. ej. "123:2|456:1:19.90"); '
    "déjelo vacío para facturar el pedido completo.",
    "vtex-rejected": "VTEX rechazó el cambio (HTTP {status}): {detail}. Revise los valores de la "
    "fila.",
    "vtex-unavailable": "VTEX no confirmó el cambio ({detail}), ni siquiera tras reintentar. La "
    "fila queda pendiente y se reintenta automáticamente en cada pasada; no hay nada que hacer.",
    "vtex-forbidden": "VTEX rechazó las credenciales (HTTP {status}). Revise VTEX_APP_KEY, "
    "VTEX_APP_TOKEN y los roles de la clave en License Manager; la fila se envía otra vez la "
    "próxima vez.",
    "vtex-batch-error-retried": "El proceso {api} {batch} de VTEX rechazó esta fila ({code}: "
    "{message}). Se envía otra vez, por separado, en la próxima pasada.",
    "vtex-batch-error-final": "El proceso {api} {batch} de VTEX rechazó esta fila ({code}: "
    "{message}). Corrija la fila y vuelva a enviar el archivo.",
    "batch-no-code": "sin código",
    "batch-no-message": "sin mensaje",
    "vtex-batch-pending": "El proceso {api} {batch} de VTEX {what}. La fila queda pendiente y se "
    "envía otra vez automáticamente; no hay nada que hacer.",
    "batch-not-finished": "aún no ha terminado",
    "batch-errors-untied": "informó errores que no pudo asociar a filas, así que esta fila se "
    "envía otra vez por seguridad",
    "batch-expired": "ya no es conocido por VTEX (caducó)",
    "batch-upload-expired": "nunca se cargó y su dirección de carga caducó",
    "batch-not-completed": "no se pudo completar ({error})",
    "batch-not-checked": "no se pudo consultar ({error})",
    "batch-still-running": "sigue en estado {status} en VTEX",
    "batch-ended": "terminó en {status}: VTEX no aplicó ninguna de sus filas",
    "batch-errors-unread": "terminó, pero no se pudo leer su archivo de errores ({error})",
    "vtex-batch-holding": "El proceso por lotes {batch} de VTEX, con un valor anterior de esta "
    "fila, aún no ha terminado; este valor lo espera. La fila queda pendiente y se envía otra "
    "vez automáticamente; no hay nada que hacer.",
    "stock-removal-guard": "{file}: este archivo completo pondría en 0 {count} de {known} filas "
    "de inventario conocidas, más que max_removals ({limit}). No se aplicó nada. Si es lo "
    "previsto, aumente max_removals en [flows.inventory] de importer.toml; si no, revise que la "
    "exportación esté completa.",
    "catalog-removal-guard": "{file}: este archivo completo desactivaría {count} de {known} SKU "
    "conocidos, más que max_removals ({limit}). No se aplicó nada. Si es lo previsto, aumente "
    "max_removals en [flows.catalog] de importer.toml; si no, revise que la exportación esté "
    "completa.",
    "stock-zeroed-absent": "no está en este archivo completo: inventario puesto en 0",
    "sku-deactivated-absent": "no está en este archivo completo: desactivado (nunca eliminado)",
    "sku-absent-everywhere": "no está en este archivo completo, ni tampoco en VTEX",
    "batch-without-count-time": "{rows} filas de inventario fueron en un proceso de inventario "
    "por lotes de VTEX, cuyo CSV no tiene columna para el momento del conteo (para estas filas "
    "sin balance_at, la hora del archivo): VTEX usó la hora del propio proceso, y puede haber "
    "liberado reservas de pedidos que ese conteo no refleja. Para enviar cada conteo con su "
    "hora, defina batch_without_count_time = false en [flows.inventory].",
    "internal-error": "el importador no pudo enviar esta fila ({detail}). No se envió; envíe "
    "este informe a soporte.",
    "fixed-price-only": '"{column}" es "{value}", pero un período de precio y una cantidad '
    "mínima solo se aplican a un precio fijo: el precio base de VTEX no tiene ninguno de los "
    "dos, y aplicaría este precio de inmediato, para cualquier cantidad. Complete "
    '"trade_policy" y "fixed_price" para un precio fijo, o vacíe "{column}".',
    "sku-price-conflict": '"{column}" {value} no se envió: la fila {first_row} da a este SKU el '
    "{column} {sent}, y un SKU tiene un solo precio base, precio de costo y markup, sean cuales "
    "sean sus precios fijos. Haga que las filas coincidan.",
    "base-price-missing": '"{column}" {value} no se envió: VTEX calcula un precio de costo o un '
    'markup solo junto con un precio base, y esta fila no tiene "base_price". Complete '
    '"base_price", o vacíe "{column}".',
    "markup-derived": '"markup" {value} no se envió: VTEX toma dos de base_price, cost_price y '
    "markup, así que calcula el markup ({derived}) a partir de base_price {base} y cost_price "
    '{cost}. Vacíe "markup", o vacíe "cost_price" para que VTEX calcule el costo a partir de '
    "él.",
    "cost-kept": '"cost_price" se vació (era {before}), pero VTEX siempre tiene un precio de '
    "costo: tiene {kept} (conservado, o calculado del precio base y el markup). Escriba el costo "
    "en el archivo (0 si no hay).",
    "markup-kept": '"markup" se vació (era {before}), pero VTEX siempre tiene un markup: tiene '
    "{kept}, calculado de los precios base y de costo. Escriba el markup en el archivo, o quite "
    "la columna.",
    "list-price-kept": '"list_price" se vació (era {before}), pero VTEX aún tiene el precio de '
    "lista {kept} después de que el precio se reemplazara sin él. Quítelo en el admin de VTEX, o "
    "escriba el precio de lista en el archivo.",
    "unknown-order": 'el pedido "{order}" no existe en VTEX (o tiene más de dos años). Revise el '
    "id del pedido.",
    "unknown-invoice": "la factura {number} no está en VTEX para el pedido {order}.",
    "order-not-in-handling": 'el pedido {order} está en "{status}": VTEX acepta facturas desde '
    '"ready-for-handling" hasta que el pedido está facturado, nunca para un pedido cancelado o '
    "reemplazado ni para uno aún no pagado. Revise el id, o si el pedido fue cancelado o "
    "reemplazado.",
    "the-order-currency": "la moneda del pedido",
    "invoice-value-precision": "{currency} tiene {digits} decimal(es): el valor no puede "
    "enviarse tal como está escrito (VTEX usa centavos enteros). Escríbalo con {digits} "
    "decimales como máximo.",
    "currency-digits-unknown": "el pedido {order} da a su moneda {digits} decimales, que ninguna "
    "moneda tiene: no se envió nada. Revise la moneda del pedido en VTEX.",
    "invoice-above-total": "la factura es de {amount}, pero solo quedan {left} del pedido "
    "{order} por facturar. Revise el valor.",
    "return-above-total": "la devolución es de {amount}, pero solo {left} del pedido {order} "
    "puede devolverse. Revise el valor.",
    "waiting-full-invoice": "una devolución se envía cuando el pedido {order} está facturado por "
    "completo (solo entonces VTEX reembolsa); se reintenta automáticamente.",
    "invoice-changed": "la factura {number} ya se envió con otro {changed}; VTEX no puede "
    "cambiar una factura (solo su seguimiento). Emita un nuevo número de factura.",
    "invoice-changed-tracking-sent": "la factura {number} ya se envió con otro {changed}; VTEX "
    "no puede cambiar una factura (solo su seguimiento). Emita un nuevo número de factura. El "
    "seguimiento se envió.",
    "invoice-tracking-sent": "seguimiento enviado para una factura que VTEX ya tiene",
    "invoice-already-in-vtex": "ya está en VTEX: no se envió nada",
    "tracking-invoice-incomplete": "no enviado: la fila {rows} de la factura {number} (pedido "
    "{order}) tiene un error, y VTEX reemplaza la lista completa de eventos de una factura, así "
    "que nunca se envía una lista parcial. Corrija esa fila y vuelva a enviar el archivo; los "
    "eventos de la factura se envían entonces.",
    "tracking-delivered-conflict": '"delivered_date" es {value} aquí, pero {first} en la fila '
    "{first_row} de la misma factura: una factura se entrega una sola vez. Dé a sus filas una "
    "única delivered_date (o déjela vacía en todas menos una).",
    "tracking-delivered-date-alone": '"delivered_date" es {value}, pero ninguna fila de la '
    'factura {number} dice delivered = true. Ponga "delivered" en true, o vacíe la fecha.',
    "tracking-waiting-invoice": "la factura {number} aún no está en VTEX para el pedido {order}: "
    "sus eventos se envían cuando lo esté (flujo de facturas); se reintenta automáticamente.",
    "tracking-waiting-number": "la factura {number} del pedido {order} no tiene número de "
    "seguimiento en VTEX, y VTEX acepta eventos de seguimiento solo después de él: envíe el "
    "tracking_number con la factura (flujo de facturas); se reintenta automáticamente.",
    "tracking-sent": "VTEX tiene los {events} eventos de esta factura (entregada: no)",
    "tracking-sent-delivered": "VTEX tiene los {events} eventos de esta factura (entregada: sí)",
    "tracking-events-dropped": "VTEX tiene los {events} eventos de esta factura tal como este "
    "archivo los lista: {dropped} menos de los que tenía de un archivo anterior (las filas de un "
    "archivo son la lista completa de la factura). Vuelva a poner en el archivo los eventos que "
    "faltan, si corresponden.",
    "tracking-delivered-minute": '"delivered_date" {value} se envió como {sent} (UTC): VTEX '
    "registra la hora de entrega al minuto (aaaa-mm-dd hh:mm), así que se omitieron los "
    "segundos.",
    "preview-nothing-sent": "no se envió nada a VTEX y el archivo quedó donde está: esto es lo "
    "que una ejecución haría con él ahora",
    "preview-sent-again": "se envía otra vez aunque el archivo coincide con lo último que VTEX "
    "aceptó: un intento anterior de esta fila está pendiente (VTEX puede tenerlo o no), y una "
    "ejecución lo resuelve",
    "move-rise-held": '"{column}" subiría de {old} a {new} (+{percent}%), más que el {limit}% '
    "que permite [flows.{flow}.guard]: no enviado. Espera en inbox/{flow}/held/{name}.csv con "
    "una vista previa. Si el valor es correcto: importer approve {name}; si no: importer reject "
    "{name}, y corríjalo en el ERP.",
    "move-fall-held": '"{column}" bajaría de {old} a {new} (-{percent}%), más que el {limit}% '
    "que permite [flows.{flow}.guard]: no enviado. Espera en inbox/{flow}/held/{name}.csv con "
    "una vista previa. Si el valor es correcto: importer approve {name}; si no: importer reject "
    "{name}, y corríjalo en el ERP.",
    "approval-held": "no enviada: todo cambio del flujo {flow} espera a una persona "
    '([flows.{flow}.guard] approval = "always"). Espera en inbox/{flow}/held/{name}.csv con '
    "una vista previa: importer approve {name} la envía, importer reject {name} la descarta.",
    "removals-held": "no enviada: {why} El archivo se retuvo entero en su lugar "
    '([flows.{flow}.guard] removals = "hold"): inbox/{flow}/held/{name}.csv, con una vista '
    "previa. importer approve {name} lo aplica todo, bajas incluidas; importer reject {name} "
    "lo descarta.",
    "undo-puts-back": "lo que VTEX tenía antes de que {file} lo cambiara: aprobar esto lo devuelve",
    "held-rejected": "retenido por el control y rechazado por una persona (importer reject): no "
    "enviado. Corrija el valor en el ERP; su próxima exportación lo envía.",
    "pending-dropped": "descartado por una persona (importer pending drop): ya no se reintenta. "
    "Venía de {file}; su último error: {error}. El próximo archivo del ERP lo envía si sigue "
    "siendo distinto.",
    "notice-file-subject": "[importer {account}] {file} ({flow}) necesita a una persona",
    "notice-file": "{file} ({flow}) se procesó, pero {invalid} fila(s) son inválidas, {failed} "
    "fallaron y {held} están retenidas. El informe {report} (adjunto) dice qué hacer en cada "
    "fila.",
    "notice-file-refused-subject": "[importer {account}] {file} ({flow}) fue rechazado",
    "notice-file-refused": "{file} ({flow}) no se procesó, por este motivo:",
    "notice-overdue-subject": "[importer {account}] no llegó ningún archivo de {flow}",
    "notice-overdue": "No llegó ningún archivo de {flow} en las últimas {hours} h (el último: "
    "{last}). Revise la tarea de exportación del ERP y la carpeta compartida donde escribe.",
    "cancellation-action-unknown": '"action" es "{value}"; debe ser cancel (cancelar el pedido) '
    "o deny (rechazar la solicitud de cancelación del cliente). Corríjalo y vuelva a enviar el "
    "archivo.",
    "deny-reason-missing": '"reason" está vacío: VTEX rechaza una solicitud de cancelación solo '
    "con un motivo (el marketplace y el cliente lo ven). Complételo y vuelva a enviar el "
    "archivo.",
    "cancel-reason-missing": '"reason" está vacío: toda cancelación lleva su motivo, que VTEX '
    "guarda con el pedido y se comunica al cliente. Complételo (o defina uno en "
    "[flows.cancellations.defaults] de importer.toml) y vuelva a enviar el archivo.",
    "cancellation-done-before": "el {action} del pedido {order} ya se envió, con el motivo "
    '"{before}": se envía una sola vez, así que ahora no se envió nada, y VTEX conserva ese '
    "motivo. No hay nada que hacer; avise usted al cliente si el nuevo motivo importa.",
    "cancel-already-in-vtex": "ya cancelado en VTEX: no se envió nada",
    "canceled-with-other-reason": "el pedido {order} ya estaba cancelado en VTEX, con el motivo "
    '"{held}": no se envió nada, y VTEX conserva ese motivo, no el de esta fila.',
    "deny-already-in-vtex": "ya rechazado en VTEX: no se envió nada",
    "denied-with-other-reason": "la solicitud de cancelación del pedido {order} ya fue rechazada "
    'en VTEX, con el motivo "{held}": no se envió nada, y VTEX conserva ese motivo, no el de '
    "esta fila.",
    "no-cancellation-request": 'el pedido {order} está en "{status}" y no tiene una solicitud de '
    "cancelación que rechazar: VTEX rechaza la solicitud de un cliente, por su id, y este pedido "
    "no tiene ninguna. Revise el id del pedido.",
    "cancel-refused": 'VTEX se negó a cancelar el pedido {order} (HTTP {status}): "{answer}". Un '
    "pedido facturado o facturado en parte no puede cancelarse: devuélvalo con una factura de "
    "Input (inbox/invoices).",
    "deny-refused": "VTEX se negó a rechazar la solicitud de cancelación del pedido {order} "
    '(HTTP {status}): "{answer}". Una solicitud puede rechazarse una vez, mientras el pedido está '
    'en "cancellation-requested": revise el pedido en VTEX.',
    "lookalike-column": 'la columna "{header}" no se leyó: parece {column}; agréguela a '
    "[flows.{flow}.columns] en importer.toml si lo es.",
    "either": "{first} o {second}",
    "duplicate-ean": '"ean" {value} también está en la fila {first_row} (SKU {first_sku}), y VTEX '
    "guarda un EAN en un solo SKU: esta fila no se envió. Dé a cada SKU su propio EAN (o deje la "
    "celda vacía) y vuelva a enviar el archivo.",
    "ean-refused": "VTEX rechazó el EAN {value} (HTTP {status}: {answer}); el resto del SKU se "
    "guardó sin él. VTEX guarda un EAN en un solo SKU: si otro SKU lo tiene, quíteselo o "
    "corrija esta fila, y vuelva a enviar el archivo.",
    "image-urls-unsplittable": '"image_urls" tiene "{value}", que no es una lista de URL de '
    'imágenes: cada imagen debe ser una URL http(s) completa sin espacios, separadas por "|" '
    '(", ", ";" y los saltos de línea también se entienden entre URL). Corrija la celda y vuelva '
    "a enviar el archivo.",
    "text-too-long-product": '"{column}" tiene {length} caracteres, y VTEX acepta como máximo '
    "{limit} en el campo {field} del producto: esta fila no se envió (no se recorta nada). "
    "Acórtelo y vuelva a enviar el archivo.",
    "text-too-long-product-name": '"{column}" tiene {length} caracteres, y VTEX acepta como '
    "máximo {limit} en el Name y el Title del producto: esta fila no se envió (no se recorta "
    "nada). Acórtelo y vuelva a enviar el archivo.",
    "text-too-long-sku": '"{column}" tiene {length} caracteres, y VTEX acepta como máximo {limit} '
    "en el campo {field} del SKU: esta fila no se envió (no se recorta nada). Acórtelo y vuelva "
    "a enviar el archivo.",
    "value-kept": '"{column}" se vació (era "{before}"), pero una celda vacía nunca borra un '
    "valor del catálogo: VTEX conserva lo que tiene. Bórrelo en el admin de VTEX si debe quedar "
    "vacío.",
    "weight-rounded": '"weight_kg" {value} se envió como {sent} {unit}: VTEX guarda el peso del '
    "paquete como un número entero de la unidad de peso de la tienda ({unit}: weight_unit en "
    "[flows.catalog]). Revise que {sent} {unit} sea correcto; un peso en {unit} enteros llega "
    "tal como está escrito.",
    "trade-policies-invalid": '"trade_policies" tiene "{value}", que no es una lista de ids de '
    'política comercial (números enteros separados por "|", como 1|2). Corríjalo, o vacíe la '
    "celda para dejar las políticas comerciales del producto como están, y vuelva a enviar el "
    "archivo.",
    "trade-policy-refused": "VTEX se negó a vincular el producto a la política comercial "
    "{policy} (HTTP {status}: {answer}); sus otras políticas comerciales se asignaron. Revise "
    'que la política comercial {policy} exista en VTEX, corrija "trade_policies" y vuelva a '
    "enviar el archivo.",
    "spec-types-invalid": '"spec_types" tiene "{value}", que no es una lista de entradas '
    "nombre:tipo como Cor:Combo|Material:Text (una entrada por especificación, separadas por "
    '"|"). Corríjalo y vuelva a enviar el archivo.',
    "spec-type-unknown": '"spec_types" da a {name} el tipo "{kind}", que VTEX no tiene. Los tipos '
    "de VTEX son: {types}. Corríjalo y vuelva a enviar el archivo.",
    "spec-type-no-column": '"spec_types" nombra {name}, pero el archivo no tiene la columna '
    "product_spec:{name} ni sku_spec:{name}. Agregue la columna, o quite {name} de "
    '"spec_types", y vuelva a enviar el archivo.',
    "spec-type-ambiguous": '"spec_types" nombra {name}, y el archivo tiene product_spec:{name} y '
    "sku_spec:{name}: escriba product_spec:{name}:{kind} o sku_spec:{name}:{kind}, y vuelva a "
    "enviar el archivo.",
    "spec-type-sku": '"spec_types" da a la especificación de SKU {name} el tipo {kind}, pero VTEX '
    "acepta solo Combo o Radio para especificaciones de SKU (son los selectores del SKU). "
    "Corríjalo y vuelva a enviar el archivo.",
    "spec-type-differs": "la especificación {name} ya existe en VTEX como {held}, no {wanted} "
    'como dice "spec_types": no se creó de nuevo, y los valores fueron al campo existente. '
    "Cambie su tipo en el admin de VTEX si {wanted} es lo correcto.",
    "kit-components-invalid": '"kit_components" tiene "{value}", que no es una lista de '
    "entradas sku_ref:cantidad:precio_unitario como S1:2:19.90|S2:1:5 (cada componente una vez, "
    "la cantidad un número entero de 1 o más, y el precio unitario que VTEX exige por "
    "componente). Corríjalo y vuelva a enviar el archivo.",
    "kit-component-self": '"kit_components" lista el propio SKU ({value}): un kit se compone de '
    "otros SKU. Corríjalo y vuelva a enviar el archivo.",
    "kit-component-unknown": "el componente de kit {refs} no es un SKU en VTEX (ni uno que este "
    "archivo guardó), así que el kit no se modificó. Cree primero ese SKU (en este archivo o en "
    "uno anterior) y vuelva a enviar el archivo.",
    "product-changed": "producto: {changes}",
    "value-changed": "{column}: {before} -> {after}",
    "empty-value": "(vacío)",
    "product-failed": "el producto falló",
    "product-not-saved": 'no enviado: el producto "{product}" no se guardó ({product_reason})',
    "category-failed": "la categoría {value} falló",
    "brand-failed": "la marca {value} falló",
    "category-not-created": 'la categoría "{path}" no se pudo crear en VTEX (HTTP {status}): '
    "{answer}",
    "brand-not-created": 'la marca "{brand}" no se pudo crear en VTEX (HTTP {status}): '
    "{answer}. Créela en VTEX, o dé a la clave el rol Brands Management.",
    "brand-unknown": 'la marca "{brand}" no existe en VTEX, y este importador no crea marcas '
    "(create_brands = false). Créela en VTEX o corrija el nombre.",
    "sku-create-needs": "VTEX necesita {columns} para crear un SKU. Complételos, o defina valores "
    "por defecto en [flows.catalog.defaults] de importer.toml.",
    "image-refused": "VTEX rechazó la imagen {position} ({url}) (HTTP {status}): {answer}. Use "
    "una URL https pública que termine en .jpg, .png o .gif.",
    "not-activated": "el SKU se guardó pero VTEX no lo activó: {reasons}.",
    "inactive-no-image": "no tiene imagen (agregue una URL de imagen)",
    "inactive-no-ref-or-ean": "no tiene RefId ni EAN",
    "inactive-kit": "es un kit y ninguno de sus componentes está activo (VTEX activa un kit solo "
    "con un componente activo)",
    "inactive-product": "su producto está inactivo",
    "inactive-brand": "su marca está inactiva",
    "inactive-category": "su categoría está inactiva",
    "inactive-spec-empty": "la especificación de SKU {specs} está vacía (VTEX exige completas "
    "todas las especificaciones de SKU de la categoría)",
    "inactive-rules-unmet": "no se cumplen las reglas de activación de VTEX (imagen, RefId o EAN, "
    "producto, marca y categoría activos)",
    "created-inactive-category": 'la categoría "{path}" se creó inactiva (publish_new = false): '
    "actívela en el Admin cuando sus productos estén completos (VTEX no activa ningún SKU en una "
    "categoría inactiva).",
    "created-inactive-default": 'la categoría por defecto "{path}" se creó inactiva, como la guía '
    "de ERP de VTEX mantiene su categoría de integración (default_category): el equipo de la "
    "tienda mueve los productos de ella a sus categorías en el Admin.",
    "created-inactive-brand": 'la marca "{brand}" se creó inactiva (publish_new = false): '
    "actívela en el Admin cuando sus productos estén completos (VTEX no activa ningún SKU de una "
    "marca inactiva).",
    "default-category-filed": 'el archivo no tiene la columna "category": el nuevo producto se '
    'colocó en la categoría por defecto "{category}" (default_category). Muévalo a su categoría '
    "en el Admin.",
    "category-no-free-id": 'la categoría "{path}" no se pudo crear inactiva: los {tried} Ids '
    "después del mayor conocido pertenecen todos a categorías que el árbol de VTEX no lista "
    "(inactivas). Indique en el archivo el id de VTEX de la categoría, o active la categoría que "
    "debe ser.",
    "category-column-missing": '{file}: falta la columna "category" (o está vacía en todas las '
    'filas). Mapéela en importer.toml [flows.catalog.columns], p. ej. category = ["<su '
    'encabezado>"], o defina [flows.catalog] default_category = "Integration" para colocar los '
    "nuevos productos en una categoría inactiva que el equipo de la tienda luego reparte.",
    "activation-held": "el SKU se guardó pero no se activó: {reasons}, y VTEX no activa ningún "
    "SKU así. Actívelas en el Admin cuando los productos estén completos, y luego el SKU (el "
    "importador no lo intenta de nuevo hasta que la fila cambie).",
    "reconcile-changed": 'VTEX tiene ahora "{now}" en "{column}" donde el importador envió '
    '"{sent}" (¿cambiado en el Admin?). El próximo archivo que liste esta clave envía otra vez '
    "el valor del archivo; para conservar el valor de VTEX, cámbielo también en el ERP.",
    "reconcile-missing": 'VTEX ya no tiene "{column}" para esta clave (el importador envió '
    '"{sent}"). El próximo archivo que liste esta clave lo envía otra vez.',
    "reconcile-unreadable": "VTEX se negó a devolver esta clave (HTTP {status}), así que no se "
    "comparó. Revise el SKU en VTEX; la próxima conciliación la lee otra vez.",
    "reconcile-kept": 'VTEX tiene ahora "{now}" en "{column}" donde el importador envió '
    '"{sent}": se conserva, porque el Admin es dueño de esta columna ([flows.catalog] owners). '
    "El próximo archivo no la envía y lo dice en su fila; para tener el valor del ERP, cambie "
    "el dueño de la columna a erp.",
    "admin-owned-kept": '"{column}" es "{value}" en el archivo pero no se envió: el Admin es '
    'dueño de esta columna ([flows.catalog] owners) y VTEX conserva "{held}". El importador la '
    "envía solo cuando crea el producto o el SKU; cámbiela en el Admin, o haga al ERP su dueño.",
    "admin-owned-not-sent": '"{column}" es "{value}" en el archivo pero no se envió: el Admin es '
    "dueño de esta columna ([flows.catalog] owners) y VTEX conserva su propio valor. El "
    "importador la envía solo cuando crea el producto o el SKU; cámbiela en el Admin, o haga al "
    "ERP su dueño.",
}
