"""Stand-ins for dbt's cross-database macros, used only when SQLFluff renders models to lint them.

Each returns SQL of the same shape as dbt's DuckDB implementation, so the linter sees
realistic SQL. dbt itself never imports this module.
"""


def hash(field):  # noqa: A001 - dbt's macro name
    return f"md5(cast({field} as varchar))"


def concat(fields):
    return " || ".join(str(f) for f in fields)


def split_part(string_text, delimiter_text, part_number):
    return f"split_part({string_text}, {delimiter_text}, {part_number})"


def type_string():
    return "varchar"


def type_bigint():
    return "bigint"


def type_int():
    return "integer"


def type_float():
    return "float"


def type_timestamp():
    return "timestamp"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def date_spine(datepart, start_date, end_date):
    return (
        f"select unnest(generate_series({start_date}, {end_date}, interval 1 {datepart}))"
        " as date_day"
    )
