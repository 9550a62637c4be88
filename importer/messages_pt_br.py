"""The row reasons of `importer.messages` in Brazilian Portuguese (`[report] language = "pt-BR"`).

Same names and the same `{fields}` as `TEMPLATES`, said as VTEX's pt-BR Admin says it (SKU,
política comercial, tabela de preço, estoque, armazém, nota fiscal, pedido). Column names,
VTEX's API field names, settings and commands stay as they are: the reader types them.
"""

from __future__ import annotations

TEMPLATES_PT_BR: dict[str, str] = {
    "missing-cell": '"{column}" está vazio. Preencha e envie o arquivo de novo.',
    "not-a-number": '"{column}" tem "{value}", que não é um número. Corrija e envie o arquivo '
    "de novo.",
    "not-a-whole-number": '"{column}" tem "{value}", que não é um número inteiro. Corrija e '
    "envie o arquivo de novo.",
    "too-many-digits": '"{column}" tem "{value}", que não é um número de no máximo {digits} '
    "dígitos (arredonde na exportação). Corrija e envie o arquivo de novo.",
    "not-a-sku-id": '"{column}" tem "{value}", que não é um id de SKU da VTEX (um número '
    "inteiro). Corrija e envie o arquivo de novo.",
    "not-true-or-false": '"{column}" tem "{value}", que não é verdadeiro ou falso (sim/não, 1/0 '
    "também valem). Corrija e envie o arquivo de novo.",
    "not-a-date": '"{column}" tem "{value}", que não é uma data como 2026-12-31 ou 31/12/2026. '
    "Corrija e envie o arquivo de novo.",
    "not-a-lead-time": '"{column}" tem "{value}", que não é um número de dias (ex.: 3) nem o '
    'formato "dd.hh:mm:ss" da VTEX (ex.: "3.12:00:00"). Corrija e envie o arquivo de novo.',
    "below-minimum": '"{column}" é {value}; precisa ser {minimum} ou mais. Corrija e envie o '
    "arquivo de novo.",
    "not-above-minimum": '"{column}" é {value}; precisa ser maior que {minimum}. Corrija e envie '
    "o arquivo de novo.",
    "count-time-in-future": '"{column}" é {value}; precisa ser um momento já passado (quando o '
    "ERP contou este estoque). Corrija e envie o arquivo de novo.",
    "scientific-notation": '"{column}" tem "{value}": o Excel transformou este código em número '
    "e perdeu dígitos. Formate a coluna como Texto na exportação e exporte de novo.",
    "control-character": '"{column}" tem "{value}": há um caractere de controle invisível '
    "(mostrado como \\x e seu código) que a exportação colocou ali por engano, e a VTEX não "
    "consegue gravá-lo. Tire-o da célula, ou exporte o arquivo de novo, e envie o arquivo de "
    "novo.",
    "undecodable-text": '"{column}" tem "{value}": esta linha não está na mesma codificação de '
    "texto que o resto do arquivo, então alguns caracteres não podem ser lidos (mostrados como "
    "\ufffd). Exporte o arquivo inteiro de novo numa só codificação (CSV UTF-8) e envie de novo.",
    "ambiguous-decimal": 'os valores de "{column}" (como "{value}") podem ser lidos com "," ou '
    '"." como separador decimal. Defina decimal = "," ou "." em [flows.{flow}] no '
    "importer.toml.",
    "duplicate-key": "{key} aparece de novo (primeiro na linha {first_row}); vale a primeira "
    "linha e esta é ignorada. Remova a linha repetida.",
    "unknown-sku": 'nenhum SKU na VTEX tem o RefId "{value}". Cadastre-o primeiro no catálogo; a '
    "linha é enviada quando o arquivo for enviado de novo.",
    "unknown-warehouse": 'o armazém "{value}" não existe na VTEX (existentes: {known}). Use um '
    "desses ids, ou cadastre o armazém nas configurações de logística da VTEX.",
    "no-warehouse-known": "nenhum",
    "fixed-price-without-policy": '"fixed_price" está preenchido mas "trade_policy" está vazio. '
    "Informe para qual política comercial (ou tabela de preço) é o preço fixo.",
    "price-period-incomplete": 'um período de preço fixo precisa de "valid_from" e "valid_to". '
    "Preencha os dois ou nenhum.",
    "price-period-reversed": '"valid_to" precisa ser depois de "valid_from". Corrija as datas.',
    "category-empty-level": '"category" tem um nível vazio. Escreva o caminho como "Departamento '
    '> Categoria > Subcategoria" (ou um id de categoria da VTEX).',
    "unknown-measurement-unit": '"measurement_unit" precisa ser uma das unidades da VTEX: {units}.',
    "product-column-differs": '"{column}" difere da primeira linha do produto "{product}" '
    '("{expected}"). As colunas de um produto precisam ser iguais em todas as linhas dos seus '
    "SKUs; corrija uma delas.",
    "invoice-number-characters": '"invoice_number" só pode ter letras, dígitos, ".", "-" e "_": '
    "a VTEX não rastreia notas fiscais cujo número tenha espaços, / ou #. Use o número sem "
    "eles.",
    "invoice-type-unknown": '"invoice_type" precisa ser Output (uma venda) ou Input (uma '
    "devolução).",
    "invoice-items-format": '"items" precisa listar sku_id:quantidade ou '
    'sku_id:quantidade:preço_unitário, separados por "|" (ex.: "123:2|456:1:19.90"); deixe '
    "vazio para faturar o pedido inteiro.",
    "vtex-rejected": "A VTEX recusou a alteração (HTTP {status}): {detail}. Confira os valores "
    "da linha.",
    "vtex-unavailable": "A VTEX não confirmou a alteração ({detail}), mesmo após novas "
    "tentativas. A linha está pendente e é reenviada automaticamente a cada passagem; nada a "
    "fazer.",
    "vtex-forbidden": "A VTEX recusou as credenciais (HTTP {status}). Confira VTEX_APP_KEY, "
    "VTEX_APP_TOKEN e os perfis de acesso da chave no License Manager; a linha é enviada de novo "
    "na próxima vez.",
    "vtex-batch-error-retried": "O processo {api} {batch} da VTEX recusou esta linha ({code}: "
    "{message}). Ela é enviada de novo, sozinha, na próxima passagem.",
    "vtex-batch-error-final": "O processo {api} {batch} da VTEX recusou esta linha ({code}: "
    "{message}). Corrija a linha e envie o arquivo de novo.",
    "batch-no-code": "sem código",
    "batch-no-message": "sem mensagem",
    "vtex-batch-pending": "O processo {api} {batch} da VTEX {what}. A linha está pendente e é "
    "enviada de novo automaticamente; nada a fazer.",
    "batch-not-finished": "ainda não terminou",
    "batch-errors-untied": "informou erros que não conseguiu ligar a linhas, então esta linha é "
    "enviada de novo por segurança",
    "batch-expired": "não é mais conhecido pela VTEX (expirou)",
    "batch-upload-expired": "nunca foi carregado e o seu endereço de envio expirou",
    "batch-not-completed": "não pôde ser concluído ({error})",
    "batch-not-checked": "não pôde ser consultado ({error})",
    "batch-still-running": "ainda está {status} na VTEX",
    "batch-ended": "terminou {status}: a VTEX não aplicou nenhuma das suas linhas",
    "batch-errors-unread": "terminou, mas o seu arquivo de erros não pôde ser lido ({error})",
    "vtex-batch-holding": "O processo em lote {batch} da VTEX, com um valor anterior desta linha, "
    "ainda não terminou; este valor espera por ele. A linha está pendente e é enviada de novo "
    "automaticamente; nada a fazer.",
    "stock-removal-guard": "{file}: este arquivo completo zeraria {count} de {known} linhas de "
    "estoque conhecidas, mais que max_removals ({limit}). Nada foi aplicado. Se é isso mesmo, "
    "aumente max_removals em [flows.inventory] no importer.toml; se não, confira se a "
    "exportação está completa.",
    "catalog-removal-guard": "{file}: este arquivo completo desativaria {count} de {known} SKUs "
    "conhecidos, mais que max_removals ({limit}). Nada foi aplicado. Se é isso mesmo, aumente "
    "max_removals em [flows.catalog] no importer.toml; se não, confira se a exportação está "
    "completa.",
    "stock-zeroed-absent": "não está neste arquivo completo: estoque zerado",
    "sku-deactivated-absent": "não está neste arquivo completo: desativado (nunca excluído)",
    "sku-absent-everywhere": "não está neste arquivo completo, nem na VTEX",
    "batch-without-count-time": "{rows} linhas de estoque foram num processo de estoque em lote "
    "da VTEX, cujo CSV não tem coluna para o momento da contagem (para estas linhas sem "
    "balance_at, o horário do arquivo): a VTEX usou o horário do próprio processo, e pode ter "
    "liberado reservas de pedidos que essa contagem não reflete. Para enviar cada contagem com o "
    "seu horário, defina batch_without_count_time = false em [flows.inventory].",
    "internal-error": "o importador não conseguiu enviar esta linha ({detail}). Ela não foi "
    "enviada; envie este relatório ao suporte.",
    "fixed-price-only": '"{column}" é "{value}", mas período de preço e quantidade mínima só '
    "valem para um preço fixo: o preço base da VTEX não tem nenhum dos dois, e aplicaria este "
    'preço na hora, para qualquer quantidade. Preencha "trade_policy" e "fixed_price" para um '
    'preço fixo, ou esvazie "{column}".',
    "sku-price-conflict": '"{column}" {value} não foi enviado: a linha {first_row} dá a este SKU '
    "o {column} {sent}, e um SKU tem um só preço base, preço de custo e markup, sejam quais "
    "forem os seus preços fixos. Deixe as linhas iguais.",
    "base-price-missing": '"{column}" {value} não foi enviado: a VTEX calcula preço de custo ou '
    'markup só junto com um preço base, e esta linha não tem "base_price". Preencha '
    '"base_price", ou esvazie "{column}".',
    "markup-derived": '"markup" {value} não foi enviado: a VTEX usa dois entre base_price, '
    "cost_price e markup, então calcula o markup ({derived}) a partir do base_price {base} e do "
    'cost_price {cost}. Esvazie "markup", ou esvazie "cost_price" para a VTEX calcular o custo '
    "a partir dele.",
    "cost-kept": '"cost_price" foi esvaziado (era {before}), mas a VTEX sempre tem um preço de '
    "custo: ela tem {kept} (mantido, ou calculado do preço base e do markup). Escreva o custo "
    "no arquivo (0 se não houver).",
    "markup-kept": '"markup" foi esvaziado (era {before}), mas a VTEX sempre tem um markup: ela '
    "tem {kept}, calculado dos preços base e de custo. Escreva o markup no arquivo, ou remova a "
    "coluna.",
    "list-price-kept": '"list_price" foi esvaziado (era {before}), mas a VTEX ainda tem o preço '
    "de lista {kept} depois que o preço foi substituído sem ele. Remova-o no admin da VTEX, ou "
    "escreva o preço de lista no arquivo.",
    "unknown-order": 'o pedido "{order}" não existe na VTEX (ou tem mais de dois anos). Confira '
    "o id do pedido.",
    "unknown-invoice": "a nota fiscal {number} não está na VTEX para o pedido {order}.",
    "order-not-in-handling": 'o pedido {order} está "{status}": a VTEX aceita notas fiscais de '
    '"ready-for-handling" até o pedido ser faturado, nunca para um pedido cancelado ou '
    "substituído nem para um ainda não pago. Confira o id, ou se o pedido foi cancelado ou "
    "substituído.",
    "the-order-currency": "a moeda do pedido",
    "invoice-value-precision": "{currency} tem {digits} casa(s) decimal(is): o valor não pode "
    "ser enviado como está escrito (a VTEX usa centavos inteiros). Escreva-o com no máximo "
    "{digits} casas decimais.",
    "currency-digits-unknown": "o pedido {order} dá à sua moeda {digits} casas decimais, o que "
    "nenhuma moeda tem: nada foi enviado. Confira a moeda do pedido na VTEX.",
    "invoice-above-total": "a nota fiscal é de {amount}, mas só faltam {left} do pedido {order} "
    "para faturar. Confira o valor.",
    "return-above-total": "a devolução é de {amount}, mas só {left} do pedido {order} pode ser "
    "devolvido. Confira o valor.",
    "waiting-full-invoice": "a devolução é enviada quando o pedido {order} estiver faturado por "
    "inteiro (só então a VTEX reembolsa); nova tentativa automática.",
    "invoice-changed": "a nota fiscal {number} já foi enviada com outro {changed}; a VTEX não "
    "altera uma nota fiscal (só o seu rastreamento). Emita um novo número de nota fiscal.",
    "invoice-changed-tracking-sent": "a nota fiscal {number} já foi enviada com outro {changed}; "
    "a VTEX não altera uma nota fiscal (só o seu rastreamento). Emita um novo número de nota "
    "fiscal. O rastreamento foi enviado.",
    "invoice-tracking-sent": "rastreamento enviado para uma nota fiscal que a VTEX já tem",
    "invoice-already-in-vtex": "já está na VTEX: nada enviado",
    "tracking-invoice-incomplete": "não enviado: a linha {rows} da nota fiscal {number} (pedido "
    "{order}) tem um erro, e a VTEX substitui a lista inteira de eventos de uma nota fiscal, "
    "então uma lista parcial nunca é enviada. Corrija essa linha e envie o arquivo de novo; os "
    "eventos da nota fiscal são enviados então.",
    "tracking-delivered-conflict": '"delivered_date" é {value} aqui, mas {first} na linha '
    "{first_row} da mesma nota fiscal: uma nota fiscal é entregue uma vez só. Dê às suas linhas "
    "uma única delivered_date (ou deixe-a vazia em todas menos uma).",
    "tracking-delivered-date-alone": '"delivered_date" é {value}, mas nenhuma linha da nota '
    'fiscal {number} diz delivered = true. Defina "delivered" como true, ou esvazie a data.',
    "tracking-waiting-invoice": "a nota fiscal {number} ainda não está na VTEX para o pedido "
    "{order}: os seus eventos são enviados quando ela estiver (fluxo de notas fiscais); nova "
    "tentativa automática.",
    "tracking-waiting-number": "a nota fiscal {number} do pedido {order} não tem código de "
    "rastreamento na VTEX, e a VTEX só aceita eventos de rastreamento depois dele: envie o "
    "tracking_number com a nota fiscal (fluxo de notas fiscais); nova tentativa automática.",
    "tracking-sent": "a VTEX tem os {events} eventos desta nota fiscal (entregue: não)",
    "tracking-sent-delivered": "a VTEX tem os {events} eventos desta nota fiscal (entregue: sim)",
    "tracking-events-dropped": "a VTEX tem os {events} eventos desta nota fiscal como este "
    "arquivo os lista: {dropped} a menos do que tinha de um arquivo anterior (as linhas de um "
    "arquivo são a lista inteira da nota fiscal). Coloque de volta no arquivo os eventos que "
    "faltam, se forem dela.",
    "tracking-delivered-minute": '"delivered_date" {value} foi enviado como {sent} (UTC): a VTEX '
    "registra o horário da entrega até o minuto (aaaa-mm-dd hh:mm), então os segundos ficaram "
    "de fora.",
    "preview-nothing-sent": "nada foi enviado à VTEX e o arquivo ficou onde está: isto é o que "
    "uma execução faria com ele agora",
    "preview-sent-again": "enviado de novo, embora o arquivo seja igual ao que a VTEX aceitou por "
    "último: uma tentativa anterior desta linha está pendente (a VTEX pode ou não tê-la), e uma "
    "execução resolve isso",
    "move-rise-held": '"{column}" subiria de {old} para {new} (+{percent}%), mais que os '
    "{limit}% que [flows.{flow}.guard] permite: não enviado. Aguarda em "
    "inbox/{flow}/held/{name}.csv com uma prévia. Se o valor estiver certo: importer approve "
    "{name}; se não: importer reject {name}, e corrija no ERP.",
    "move-fall-held": '"{column}" cairia de {old} para {new} (-{percent}%), mais que os '
    "{limit}% que [flows.{flow}.guard] permite: não enviado. Aguarda em "
    "inbox/{flow}/held/{name}.csv com uma prévia. Se o valor estiver certo: importer approve "
    "{name}; se não: importer reject {name}, e corrija no ERP.",
    "approval-held": "não enviada: toda mudança do fluxo {flow} espera por uma pessoa "
    '([flows.{flow}.guard] approval = "always"). Ela espera em inbox/{flow}/held/{name}.csv '
    "com uma prévia: importer approve {name} envia, importer reject {name} descarta.",
    "removals-held": "não enviada: {why} O arquivo foi retido inteiro em vez disso "
    '([flows.{flow}.guard] removals = "hold"): inbox/{flow}/held/{name}.csv, com uma prévia. '
    "importer approve {name} aplica tudo, remoções incluídas; importer reject {name} descarta.",
    "undo-puts-back": "o que a VTEX tinha antes de {file} mudar: aprovar isto o coloca de volta",
    "held-rejected": "retido pela trava e rejeitado por uma pessoa (importer reject): não "
    "enviado. Corrija o valor no ERP; a próxima exportação o envia.",
    "pending-dropped": "descartado por uma pessoa (importer pending drop): não é mais tentado de "
    "novo. Veio de {file}; o seu último erro: {error}. O próximo arquivo do ERP o envia se ainda "
    "for diferente.",
    "notice-file-subject": "[importer {account}] {file} ({flow}) precisa de uma pessoa",
    "notice-file": "{file} ({flow}) foi processado, mas {invalid} linha(s) estão inválidas, "
    "{failed} falharam e {held} estão retidas. O relatório {report} (em anexo) diz o que fazer "
    "em cada linha.",
    "notice-file-refused-subject": "[importer {account}] {file} ({flow}) foi recusado",
    "notice-file-refused": "{file} ({flow}) não foi processado, por este motivo:",
    "notice-overdue-subject": "[importer {account}] nenhum arquivo de {flow} chegou",
    "notice-overdue": "Nenhum arquivo de {flow} chegou nas últimas {hours} h (o último: {last}). "
    "Confira a rotina de exportação do ERP e a pasta compartilhada em que ela grava.",
    "cancellation-action-unknown": '"action" é "{value}"; precisa ser cancel (cancelar o pedido) '
    "ou deny (recusar o pedido de cancelamento do cliente). Corrija e envie o arquivo de novo.",
    "deny-reason-missing": '"reason" está vazio: a VTEX só recusa um pedido de cancelamento com '
    "um motivo (o marketplace e o cliente o veem). Preencha e envie o arquivo de novo.",
    "cancel-reason-missing": '"reason" está vazio: todo cancelamento leva o seu motivo, que a '
    "VTEX guarda com o pedido e é informado ao cliente. Preencha (ou defina um em "
    "[flows.cancellations.defaults] no importer.toml) e envie o arquivo de novo.",
    "cancellation-done-before": "o {action} do pedido {order} já foi enviado, com o motivo "
    '"{before}": ele é enviado uma vez só, então nada foi enviado agora, e a VTEX mantém esse '
    "motivo. Nada a fazer; avise o cliente você mesmo se o novo motivo importar.",
    "cancel-already-in-vtex": "já cancelado na VTEX: nada enviado",
    "canceled-with-other-reason": "o pedido {order} já foi cancelado na VTEX, com o motivo "
    '"{held}": nada foi enviado, e a VTEX mantém esse motivo, não o desta linha.',
    "deny-already-in-vtex": "já recusado na VTEX: nada enviado",
    "denied-with-other-reason": "o pedido de cancelamento do pedido {order} já foi recusado na "
    'VTEX, com o motivo "{held}": nada foi enviado, e a VTEX mantém esse motivo, não o desta '
    "linha.",
    "no-cancellation-request": 'o pedido {order} está "{status}" e não tem pedido de '
    "cancelamento para recusar: a VTEX recusa o pedido de cancelamento de um cliente, pelo seu "
    "id, e este pedido não tem nenhum. Confira o id do pedido.",
    "cancel-refused": 'A VTEX recusou cancelar o pedido {order} (HTTP {status}): "{answer}". Um '
    "pedido faturado ou parcialmente faturado não pode ser cancelado: devolva-o com uma nota "
    "fiscal de Input (inbox/invoices).",
    "deny-refused": "A VTEX recusou negar o pedido de cancelamento do pedido {order} (HTTP "
    '{status}): "{answer}". Um pedido de cancelamento pode ser recusado uma vez, enquanto o '
    'pedido está "cancellation-requested": confira o pedido na VTEX.',
    "lookalike-column": 'a coluna "{header}" não foi lida: ela parece {column}; adicione-a em '
    "[flows.{flow}.columns] no importer.toml se for.",
    "either": "{first} ou {second}",
    "duplicate-ean": '"ean" {value} também está na linha {first_row} (SKU {first_sku}), e a VTEX '
    "mantém um EAN em um único SKU: esta linha não foi enviada. Dê a cada SKU o seu próprio EAN "
    "(ou deixe a célula vazia) e envie o arquivo de novo.",
    "ean-refused": "A VTEX recusou o EAN {value} (HTTP {status}: {answer}); o resto do SKU foi "
    "salvo sem ele. A VTEX mantém um EAN em um único SKU: se outro SKU o tem, remova-o de lá ou "
    "corrija esta linha, e envie o arquivo de novo.",
    "image-urls-unsplittable": '"image_urls" tem "{value}", que não é uma lista de URLs de '
    'imagem: cada imagem precisa ser uma URL http(s) completa sem espaços, separadas por "|" '
    '(", ", ";" e quebras de linha também são entendidos entre URLs). Corrija a célula e envie o '
    "arquivo de novo.",
    "text-too-long-product": '"{column}" tem {length} caracteres, e a VTEX aceita no máximo '
    "{limit} no campo {field} do produto: esta linha não foi enviada (nada é cortado). Encurte "
    "o texto e envie o arquivo de novo.",
    "text-too-long-product-name": '"{column}" tem {length} caracteres, e a VTEX aceita no máximo '
    "{limit} no Name e no Title do produto: esta linha não foi enviada (nada é cortado). "
    "Encurte o texto e envie o arquivo de novo.",
    "text-too-long-sku": '"{column}" tem {length} caracteres, e a VTEX aceita no máximo {limit} '
    "no campo {field} do SKU: esta linha não foi enviada (nada é cortado). Encurte o texto e "
    "envie o arquivo de novo.",
    "value-kept": '"{column}" foi esvaziado (era "{before}"), mas uma célula vazia nunca apaga um '
    "valor do catálogo: a VTEX mantém o que tem. Apague-o no admin da VTEX se precisar ficar "
    "vazio.",
    "weight-rounded": '"weight_kg" {value} foi enviado como {sent} {unit}: a VTEX guarda o peso '
    "da embalagem como um número inteiro da unidade de peso da loja ({unit}: weight_unit em "
    "[flows.catalog]). Confira se {sent} {unit} está certo; um peso em {unit} inteiros chega "
    "como está escrito.",
    "trade-policies-invalid": '"trade_policies" tem "{value}", que não é uma lista de ids de '
    'política comercial (números inteiros separados por "|", como 1|2). Corrija, ou esvazie a '
    "célula para deixar as políticas comerciais do produto como estão, e envie o arquivo de "
    "novo.",
    "trade-policy-refused": "A VTEX recusou vincular o produto à política comercial {policy} "
    "(HTTP {status}: {answer}); as suas outras políticas comerciais foram definidas. Confira se "
    'a política comercial {policy} existe na VTEX, corrija "trade_policies" e envie o arquivo '
    "de novo.",
    "spec-types-invalid": '"spec_types" tem "{value}", que não é uma lista de entradas nome:tipo '
    'como Cor:Combo|Material:Text (uma entrada por especificação, separadas por "|"). Corrija '
    "e envie o arquivo de novo.",
    "spec-type-unknown": '"spec_types" dá a {name} o tipo "{kind}", que a VTEX não tem. Os tipos '
    "da VTEX são: {types}. Corrija e envie o arquivo de novo.",
    "spec-type-no-column": '"spec_types" cita {name}, mas o arquivo não tem a coluna '
    "product_spec:{name} nem sku_spec:{name}. Adicione a coluna, ou tire {name} de "
    '"spec_types", e envie o arquivo de novo.',
    "spec-type-ambiguous": '"spec_types" cita {name}, e o arquivo tem product_spec:{name} e '
    "sku_spec:{name}: escreva product_spec:{name}:{kind} ou sku_spec:{name}:{kind}, e envie o "
    "arquivo de novo.",
    "spec-type-sku": '"spec_types" dá à especificação de SKU {name} o tipo {kind}, mas a VTEX '
    "aceita só Combo ou Radio para especificações de SKU (elas são os seletores do SKU). "
    "Corrija e envie o arquivo de novo.",
    "spec-type-differs": "a especificação {name} já existe na VTEX como {held}, não {wanted} "
    'como diz "spec_types": ela não foi criada de novo, e os valores foram para o campo '
    "existente. Mude o tipo dela no admin da VTEX se {wanted} estiver certo.",
    "kit-components-invalid": '"kit_components" tem "{value}", que não é uma lista de entradas '
    "sku_ref:quantidade:preço_unitário como S1:2:19.90|S2:1:5 (cada componente uma vez, a "
    "quantidade um número inteiro de 1 ou mais, e o preço unitário que a VTEX exige por "
    "componente). Corrija e envie o arquivo de novo.",
    "kit-component-self": '"kit_components" lista o próprio SKU ({value}): um kit é feito de '
    "outros SKUs. Corrija e envie o arquivo de novo.",
    "kit-component-unknown": "o componente de kit {refs} não é um SKU na VTEX (nem um que este "
    "arquivo salvou), então o kit não foi alterado. Cadastre esse SKU primeiro (neste arquivo ou "
    "num anterior) e envie o arquivo de novo.",
    "product-changed": "produto: {changes}",
    "value-changed": "{column}: {before} -> {after}",
    "empty-value": "(vazio)",
    "product-failed": "o produto falhou",
    "product-not-saved": 'não enviado: o produto "{product}" não foi salvo ({product_reason})',
    "category-failed": "a categoria {value} falhou",
    "brand-failed": "a marca {value} falhou",
    "category-not-created": 'a categoria "{path}" não pôde ser criada na VTEX (HTTP {status}): '
    "{answer}",
    "brand-not-created": 'a marca "{brand}" não pôde ser criada na VTEX (HTTP {status}): '
    "{answer}. Cadastre-a na VTEX, ou dê à chave o perfil Brands Management.",
    "brand-unknown": 'a marca "{brand}" não existe na VTEX, e este importador não cria marcas '
    "(create_brands = false). Cadastre-a na VTEX ou corrija o nome.",
    "sku-create-needs": "A VTEX precisa de {columns} para criar um SKU. Preencha, ou defina "
    "valores padrão em [flows.catalog.defaults] no importer.toml.",
    "image-refused": "A VTEX recusou a imagem {position} ({url}) (HTTP {status}): {answer}. Use "
    "uma URL https pública terminada em .jpg, .png ou .gif.",
    "not-activated": "o SKU foi salvo, mas a VTEX não o ativou: {reasons}.",
    "inactive-no-image": "ele não tem imagem (adicione uma URL de imagem)",
    "inactive-no-ref-or-ean": "ele não tem RefId nem EAN",
    "inactive-kit": "ele é um kit e nenhum dos seus componentes está ativo (a VTEX só ativa um "
    "kit com um componente ativo)",
    "inactive-product": "o seu produto está inativo",
    "inactive-brand": "a sua marca está inativa",
    "inactive-category": "a sua categoria está inativa",
    "inactive-spec-empty": "a especificação de SKU {specs} está vazia (a VTEX exige todas as "
    "especificações de SKU da categoria preenchidas)",
    "inactive-rules-unmet": "as regras de ativação da VTEX não foram cumpridas (imagem, RefId ou "
    "EAN, produto, marca e categoria ativos)",
    "created-inactive-category": 'a categoria "{path}" foi criada inativa (publish_new = false): '
    "ative-a no Admin quando os seus produtos estiverem completos (a VTEX não ativa nenhum SKU "
    "numa categoria inativa).",
    "created-inactive-default": 'a categoria padrão "{path}" foi criada inativa, como o guia de '
    "ERP da VTEX mantém a sua categoria de integração (default_category): a equipe da loja move "
    "os produtos dela para as suas categorias no Admin.",
    "created-inactive-brand": 'a marca "{brand}" foi criada inativa (publish_new = false): '
    "ative-a no Admin quando os seus produtos estiverem completos (a VTEX não ativa nenhum SKU "
    "de uma marca inativa).",
    "default-category-filed": 'o arquivo não tem a coluna "category": o novo produto foi '
    'colocado na categoria padrão "{category}" (default_category). Mova-o para a sua categoria '
    "no Admin.",
    "category-no-free-id": 'a categoria "{path}" não pôde ser criada inativa: os {tried} Ids '
    "depois do maior conhecido pertencem todos a categorias que a árvore da VTEX não lista "
    "(inativas). Informe no arquivo o id da categoria na VTEX, ou ative a categoria que ela "
    "deve ser.",
    "category-column-missing": '{file}: a coluna "category" está faltando (ou vazia em todas as '
    'linhas). Mapeie-a em importer.toml [flows.catalog.columns], ex.: category = ["<seu '
    'cabeçalho>"], ou defina [flows.catalog] default_category = "Integration" para colocar os '
    "novos produtos numa categoria inativa, que a equipe da loja depois distribui.",
    "activation-held": "o SKU foi salvo, mas não ativado: {reasons}, e a VTEX não ativa nenhum "
    "SKU assim. Ative-as no Admin quando os produtos estiverem completos, e depois o SKU (o "
    "importador não tenta de novo até a linha mudar).",
    "reconcile-changed": 'a VTEX agora tem "{now}" em "{column}" onde o importador enviou '
    '"{sent}" (alterado no Admin?). O próximo arquivo que listar esta chave envia o valor do '
    "arquivo de novo; para manter o valor da VTEX, altere-o também no ERP.",
    "reconcile-missing": 'a VTEX não tem mais "{column}" para esta chave (o importador enviou '
    '"{sent}"). O próximo arquivo que listar esta chave o envia de novo.',
    "reconcile-unreadable": "a VTEX recusou a leitura desta chave (HTTP {status}), então ela não "
    "foi comparada. Confira o SKU na VTEX; a próxima conciliação a lê de novo.",
    "reconcile-kept": 'a VTEX agora tem "{now}" em "{column}" onde o importador enviou "{sent}": '
    "mantido, porque o Admin é o dono desta coluna ([flows.catalog] owners). O próximo arquivo "
    "não a envia e diz isso na sua linha; para ficar com o valor do ERP, mude o dono da coluna "
    "para erp.",
    "admin-owned-kept": '"{column}" é "{value}" no arquivo, mas não foi enviado: o Admin é o '
    'dono desta coluna ([flows.catalog] owners) e a VTEX mantém "{held}". O importador só a '
    "envia quando cria o produto ou o SKU; altere-a no Admin, ou faça do ERP o seu dono.",
    "admin-owned-not-sent": '"{column}" é "{value}" no arquivo, mas não foi enviado: o Admin é o '
    "dono desta coluna ([flows.catalog] owners) e a VTEX mantém o seu próprio valor. O "
    "importador só a envia quando cria o produto ou o SKU; altere-a no Admin, ou faça do ERP o "
    "seu dono.",
}
