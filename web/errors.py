"""Failures turned into Dutch pages (or JSON under /api/) with the right status code:
400 for a bad parameter, 404 for an unknown document, 503 while there is no usable index,
and never a traceback."""

from __future__ import annotations

from flask import Flask, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from index.errors import IndexDamaged, IndexMissing

from .api import json_response
from .params import InvalidParameter

TITLES = {
    400: "Ongeldige zoekopdracht",
    401: "Inloggen nodig",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    500: "Er ging iets mis",
    503: "Zoeken is tijdelijk niet mogelijk",
}
MESSAGES = {
    401: "Log in om verder te gaan. Lukt inloggen niet, vraag dan de beheerder om hulp.",
    404: "Deze pagina of dit document bestaat niet (meer). Misschien is het document uit de "
         "index verwijderd of is de link niet volledig overgenomen.",
    405: "Dit adres kan alleen worden opgevraagd, niet worden gewijzigd.",
    500: "Door een fout in Bestuurszoeker kon deze pagina niet worden gemaakt. Probeer het "
         "later opnieuw; blijft de fout, meld het dan aan de beheerder.",
    503: "Er is nog geen zoekindex, of de zoekindex kan niet worden geopend. De beheerder kan "
         "de index (opnieuw) maken met ‘bestuurszoeker index’.",
}
DAMAGED = (
    "De zoekindex is beschadigd en kan niet worden gelezen. De beheerder kan hem herstellen "
    "door opnieuw te indexeren met ‘bestuurszoeker index --rebuild …’."
)


def register(app: Flask) -> None:
    """Install the error handlers on `app`."""

    @app.errorhandler(InvalidParameter)
    def bad_parameter(exc: InvalidParameter):
        return _answer(400, exc.message, parameter=exc.parameter)

    @app.errorhandler(IndexMissing)
    @app.errorhandler(IndexDamaged)
    def no_index(exc):
        app.logger.error("index unavailable: %s", exc)
        if isinstance(exc, IndexDamaged):
            return _answer(503, DAMAGED, index="damaged")
        return _answer(503, MESSAGES[503], index="missing")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(exc, InternalServerError):
            app.logger.error("internal error", exc_info=exc.original_exception)
        code = exc.code if exc.code in TITLES else 500
        response = make_response(_answer(code, MESSAGES.get(code, MESSAGES[500])))
        # A login challenge keeps the header that makes the browser ask for a password.
        for name, value in exc.get_headers():
            if name == "WWW-Authenticate":
                response.headers.add(name, value)
        return response


def _answer(status: int, message: str, parameter: str | None = None,
            index: str | None = None):
    if request.path.startswith("/api/"):
        error = {"status": status, "message": message}
        if parameter:
            error["parameter"] = parameter
        if index:
            error["index"] = index
        return json_response({"error": error}, status)
    return render_template("error.html", status=status, title=TITLES[status], message=message,
                           query=request.args.get("q", "")[:1000]), status
