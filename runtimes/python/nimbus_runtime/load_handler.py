"""Resolves ``_HANDLER`` (``pkg/module.function``) to a callable, as Lambda's Python runtime does.

The part before the last dot is the module path: slashes and dots both separate packages
(``src/api.handler`` imports ``src.api``); the part after it is the function.
"""
import importlib
import sys

from .errors import (
    BUILT_IN_MODULE_CONFLICT,
    HANDLER_NOT_FOUND,
    IMPORT_MODULE_ERROR,
    MALFORMED_HANDLER_NAME,
    USER_CODE_SYNTAX_ERROR,
    FaultError,
    user_stack_trace,
)


def load_handler(handler):
    """
    Imports the handler's module and returns its function; raises ``FaultError`` with
    ``Runtime.MalformedHandlerName``, ``Runtime.BuiltInModuleConflict``,
    ``Runtime.ImportModuleError`` (module missing, or raising while it is imported),
    ``Runtime.UserCodeSyntaxError`` or ``Runtime.HandlerNotFound``.
    """
    modname, dot, fname = handler.rpartition(".")
    module_path = modname.replace("/", ".")
    if not dot or not fname or "" in module_path.split("."):
        raise FaultError(
            MALFORMED_HANDLER_NAME,
            "Bad handler '%s': expected 'module.function' with an optional 'package/' or 'package.' prefix"
            % handler,
        )
    if module_path.split(".")[0] in sys.builtin_module_names:
        raise FaultError(BUILT_IN_MODULE_CONFLICT, "Cannot use built-in module %s as a handler module" % modname)

    try:
        module = importlib.import_module(module_path)
    except ImportError as err:
        raise FaultError(IMPORT_MODULE_ERROR, "Unable to import module '%s': %s" % (modname, err)) from None
    except SyntaxError as err:
        text = (err.text or "").rstrip("\n")
        trace = ['  File "%s" Line %s\n    %s' % (err.filename, err.lineno, text)]
        raise FaultError(
            USER_CODE_SYNTAX_ERROR, "Syntax error in module '%s': %s" % (modname, err), trace
        ) from None
    except Exception as err:
        # The module raised while it was being imported: report where, in the function's code.
        raise FaultError(
            IMPORT_MODULE_ERROR,
            "Unable to import module '%s': %s: %s" % (modname, type(err).__name__, err),
            user_stack_trace(err.__traceback__),
        ) from None

    try:
        fn = getattr(module, fname)
    except AttributeError:
        raise FaultError(HANDLER_NOT_FOUND, "Handler '%s' missing on module '%s'" % (fname, modname)) from None
    if not callable(fn):
        raise FaultError(
            HANDLER_NOT_FOUND,
            "Handler '%s' on module '%s' is not callable (it is a %s)" % (fname, modname, type(fn).__name__),
        )
    return fn
