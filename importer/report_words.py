"""The words of a report's workbook in the reader's language (`[report] language`), and how
its CSV is written for that reader's spreadsheet (`;` where the decimal mark is a comma).

What is translated here: the workbook's sheet names, column headers, summary labels, the
actions and the "what to do" sentence. The CSV keeps the contract's column names and action
values (FORMATS.md: scripts and ERPs read them), in the locale's separator. The reasons on
the rows come from `importer.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("en", "pt-BR", "es")

_WORDS: dict[str, dict[str, str]] = {
    "pt-BR": {
        # sheets and headers
        "Summary": "Resumo",
        "Rows": "Linhas",
        "field": "campo",
        "value": "valor",
        "row": "linha",
        "key": "chave",
        "action": "ação",
        "column": "coluna",
        "reason": "motivo",
        "vtex_status": "status VTEX",
        "type": "tipo",
        # summary labels
        "what to do": "o que fazer",
        "file": "arquivo",
        "flow": "fluxo",
        "received_at": "recebido em",
        "finished_at": "concluído em",
        "status": "situação",
        "rows read": "linhas lidas",
        "invalid": "inválidas",
        "unchanged": "sem alteração",
        "created": "criadas",
        "updated": "atualizadas",
        "deactivated": "desativadas",
        "failed": "com falha",
        "pending": "pendentes",
        "skipped": "puladas",
        "warnings": "avisos",
        "held": "retidas",
        "products not saved": "produtos não salvos",
        "duplicate_of": "repetição de",
        "duration (s)": "duração (s)",
        "account": "conta",
        "error": "erro",
        "encoding": "codificação",
        "delimiter": "separador",
        "unknown columns": "colunas desconhecidas",
        "warnings about the file": "avisos sobre o arquivo",
        "errors by type": "erros por tipo",
        "time zone": "fuso horário",
        # actions
        "action:created": "criada",
        "action:updated": "atualizada",
        "action:unchanged": "sem alteração",
        "action:deactivated": "desativada",
        "action:invalid": "inválida",
        "action:failed": "falhou",
        "action:pending": "pendente",
        "action:skipped": "pulada",
        "action:warning": "aviso",
        "action:held": "retida",
        # statuses
        "status:done": "concluído",
        "status:failed": "recusado",
        "status:duplicate": "repetido",
    },
    "es": {
        "Summary": "Resumen",
        "Rows": "Filas",
        "field": "campo",
        "value": "valor",
        "row": "fila",
        "key": "clave",
        "action": "acción",
        "column": "columna",
        "reason": "motivo",
        "vtex_status": "estado VTEX",
        "type": "tipo",
        "what to do": "qué hacer",
        "file": "archivo",
        "flow": "flujo",
        "received_at": "recibido el",
        "finished_at": "terminado el",
        "status": "estado",
        "rows read": "filas leídas",
        "invalid": "inválidas",
        "unchanged": "sin cambios",
        "created": "creadas",
        "updated": "actualizadas",
        "deactivated": "desactivadas",
        "failed": "fallidas",
        "pending": "pendientes",
        "skipped": "omitidas",
        "warnings": "avisos",
        "held": "retenidas",
        "products not saved": "productos no guardados",
        "duplicate_of": "repetición de",
        "duration (s)": "duración (s)",
        "account": "cuenta",
        "error": "error",
        "encoding": "codificación",
        "delimiter": "separador",
        "unknown columns": "columnas desconocidas",
        "warnings about the file": "avisos sobre el archivo",
        "errors by type": "errores por tipo",
        "time zone": "zona horaria",
        "action:created": "creada",
        "action:updated": "actualizada",
        "action:unchanged": "sin cambios",
        "action:deactivated": "desactivada",
        "action:invalid": "inválida",
        "action:failed": "fallida",
        "action:pending": "pendiente",
        "action:skipped": "omitida",
        "action:warning": "aviso",
        "action:held": "retenida",
        "status:done": "terminado",
        "status:failed": "rechazado",
        "status:duplicate": "repetido",
    },
}

# The "what to do" sentence's parts (report.what_to_do), per language.
_ADVICE: dict[str, dict[str, str]] = {
    "en": {
        "refused": "The file was not processed: {reason}. Fix the file and drop it again.",
        "duplicate": "Nothing was sent: the same file was already processed{earlier}. To send "
        "it again, change it first.",
        "duplicate-earlier": " as {name}",
        "empty": "The file has a header but no rows: nothing was sent. If the ERP should have "
        "exported rows, check its export.",
        "invalid": "fix the rows marked invalid in the file and drop it again",
        "failed": "rows marked failed were refused by VTEX: fix what their reason says",
        "skipped": "rows marked skipped go once the rows they depend on succeed",
        "pending": "pending rows are retried automatically",
        "rejected": "the held rows were rejected and nothing was sent: correct them in the ERP",
        "held": "rows marked held were not sent: check them (their reason names the held "
        "file) and run importer approve or importer reject",
        "warning": "rows marked warning landed, but not exactly as the file says: read why",
        "see-below": "see the error below",
    },
    "pt-BR": {
        "refused": "O arquivo não foi processado: {reason}. Corrija o arquivo e coloque-o "
        "de novo na pasta.",
        "duplicate": "Nada foi enviado: o mesmo arquivo já foi processado{earlier}. Para "
        "enviá-lo de novo, altere-o antes.",
        "duplicate-earlier": " como {name}",
        "empty": "O arquivo tem cabeçalho mas nenhuma linha: nada foi enviado. Se o ERP "
        "deveria ter exportado linhas, verifique a exportação.",
        "invalid": "corrija no arquivo as linhas marcadas como inválidas e coloque-o de novo "
        "na pasta",
        "failed": "as linhas com falha foram recusadas pela VTEX: corrija o que o motivo diz",
        "skipped": "as linhas puladas seguem quando as linhas de que dependem derem certo",
        "pending": "as linhas pendentes são reenviadas automaticamente",
        "rejected": "as linhas retidas foram rejeitadas e nada foi enviado: corrija-as no ERP",
        "held": "as linhas retidas não foram enviadas: confira-as (o motivo diz o arquivo "
        "retido) e rode importer approve ou importer reject",
        "warning": "as linhas com aviso foram gravadas, mas não exatamente como no arquivo: "
        "leia o motivo",
        "see-below": "veja o erro abaixo",
    },
    "es": {
        "refused": "El archivo no se procesó: {reason}. Corrija el archivo y vuelva a "
        "dejarlo en la carpeta.",
        "duplicate": "No se envió nada: el mismo archivo ya se procesó{earlier}. Para "
        "enviarlo de nuevo, modifíquelo antes.",
        "duplicate-earlier": " como {name}",
        "empty": "El archivo tiene encabezado pero ninguna fila: no se envió nada. Si el ERP "
        "debía exportar filas, revise la exportación.",
        "invalid": "corrija en el archivo las filas marcadas como inválidas y vuelva a "
        "dejarlo en la carpeta",
        "failed": "las filas fallidas fueron rechazadas por VTEX: corrija lo que dice el motivo",
        "skipped": "las filas omitidas se envían cuando las filas de las que dependen lleguen",
        "pending": "las filas pendientes se reenvían automáticamente",
        "rejected": "las filas retenidas se rechazaron y no se envió nada: corríjalas en el ERP",
        "held": "las filas retenidas no se enviaron: revíselas (el motivo nombra el archivo "
        "retenido) y ejecute importer approve o importer reject",
        "warning": "las filas con aviso se grabaron, pero no exactamente como en el archivo: "
        "lea el motivo",
        "see-below": "vea el error abajo",
    },
}


@dataclass(frozen=True)
class ReportStyle:
    """How one reader gets a report: words, time zone, the CSV's separator."""

    language: str = "en"
    timezone: str = "UTC"

    def word(self, text: str) -> str:
        return _WORDS.get(self.language, {}).get(text, text)

    def action(self, action: str) -> str:
        return _WORDS.get(self.language, {}).get(f"action:{action}", action)

    def status(self, status: str) -> str:
        return _WORDS.get(self.language, {}).get(f"status:{status}", status)

    def advice(self, part: str, **fields: object) -> str:
        words = _ADVICE.get(self.language, _ADVICE["en"])
        return words.get(part, _ADVICE["en"][part]).format(**fields)

    @property
    def csv_delimiter(self) -> str:
        # Where the decimal mark is a comma, Excel's list separator is ';': a ',' CSV opens in
        # one column there.
        return ";" if self.language in ("pt-BR", "es") else ","

    def local(self, moment: datetime) -> datetime:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(ZoneInfo(self.timezone))


DEFAULT_STYLE = ReportStyle()
