"""DeltaPy as pum 0.x delta files see it: pgv runs run() of each subclass a file defines.

Written for pgv, compatible with pum 0.10's class: the same constructor, properties and
write_message, so an unmodified pum project's .py deltas run under pgv.
"""

from abc import ABCMeta, abstractmethod


class DeltaPy(metaclass=ABCMeta):
    """Base class of a Python delta: subclass it and implement run()."""

    def __init__(self, current_db_version, delta_dir, delta_dirs, pg_service, upgrades_table, variables=None):
        self.__current_db_version = current_db_version
        self.__delta_dir = delta_dir
        self.__delta_dirs = delta_dirs
        self.__pg_service = pg_service
        self.__upgrades_table = upgrades_table
        self.__variables = variables if variables is not None else {}

    @abstractmethod
    def run(self):
        """Called once when the delta is applied."""

    @property
    def current_db_version(self):
        """The version the database was at when the upgrade started."""
        return self.__current_db_version

    @property
    def delta_dir(self):
        """The directory of this delta file (ending with a separator, as pum gives it)."""
        return self.__delta_dir

    @property
    def delta_dirs(self):
        """Every delta directory of the upgrade."""
        return self.__delta_dirs

    @property
    def pg_service(self):
        """A pg_service name that reaches the database: psycopg2.connect("service=" + pg_service)."""
        return self.__pg_service

    @property
    def upgrades_table(self):
        """The upgrades table, schema.name."""
        return self.__upgrades_table

    @property
    def variables(self):
        """The part's variables, name -> value (numbers as numbers)."""
        return self.__variables

    def write_message(self, text):
        """Print a message from the delta (pgv shows it with -v)."""
        print('Message from {}: {}'.format(self.__class__.__name__, text))
