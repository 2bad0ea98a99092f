"""pgv's runner for Python hooks: one hook per process, its request as JSON on stdin.

Kinds:
  probe         print the database driver this interpreter can import (psycopg or psycopg2)
  precondition  call precondition(connection) of a gocept.rdbmanagement preconditionN.py; raising vetoes
  deltapy       run() every pum DeltaPy subclass a delta file defines

The hook's own output goes to stderr; stdout carries only the one JSON line of the outcome.
The connection uses the pg_service entry pgv wrote (PGSERVICEFILE); the password is in PGPASSWORD.
"""

import importlib.util
import inspect
import json
import os
import sys
import traceback


def driver():
    try:
        import psycopg  # noqa: F401
        return 'psycopg'
    except ImportError:
        pass
    try:
        import psycopg2  # noqa: F401
        return 'psycopg2'
    except ImportError:
        return None


def connect(service):
    if driver() == 'psycopg':
        import psycopg
        return psycopg.connect('service=' + service)
    import psycopg2
    return psycopg2.connect('service=' + service)


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def precondition(request):
    module = load(request['file'], 'pgv_precondition')
    check = getattr(module, 'precondition', None)
    if not callable(check):
        raise LookupError('defines no function precondition(connection)')
    connection = connect(request['service'])
    try:
        check(connection)
    finally:
        # A precondition looks; it does not change the database.
        try:
            connection.rollback()
        finally:
            connection.close()


def deltapy(request):
    from pum.core.deltapy import DeltaPy
    module = load(request['file'], request['module'])
    classes = [obj for _, obj in inspect.getmembers(module, inspect.isclass)
               if obj is not DeltaPy and issubclass(obj, DeltaPy) and not inspect.isabstract(obj)]
    if not classes:
        raise LookupError('defines no subclass of pum.core.deltapy.DeltaPy')
    for cls in classes:
        cls(request['current_db_version'], request['delta_dir'], request['delta_dirs'],
            request['service'], request['upgrades_table'], variables=request['variables']).run()


def main():
    out = sys.stdout
    sys.stdout = sys.stderr
    request = json.load(sys.stdin)
    kind = request['kind']
    if kind == 'probe':
        out.write(json.dumps({'ok': True, 'driver': driver()}) + '\n')
        return 0
    if driver() is None:
        out.write(json.dumps({'ok': False, 'driver_missing': True}) + '\n')
        return 1
    sys.path.insert(0, os.path.dirname(request['file']))
    try:
        (precondition if kind == 'precondition' else deltapy)(request)
    except BaseException as e:  # noqa: B902 - a hook's SystemExit vetoes too
        sys.stderr.flush()
        message = str(e) or type(e).__name__
        out.write(json.dumps({'ok': False, 'type': type(e).__name__, 'message': message,
                              'traceback': traceback.format_exc()}) + '\n')
        return 1
    out.write(json.dumps({'ok': True}) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
