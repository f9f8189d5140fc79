"""Python's csv module as the oracle for src/io/csv.test.ts: each case's text and the records
Python reads from it (RFC 4180 dialect: doubled quotes, quoted delimiters and line breaks).

  python3 scripts/csv_golden.py
"""
import csv
import io
import json

cases = [
    "a,b,c\n1,2,3\n",
    "a,b\r\n1,2\r\n3,4",
    'name,text\n1,"hello, world"\n2,"say ""hi"""\n',
    'x,y\n"multi\nline",2\n"",3\n',
    "a;b\n1;2\n",
    "a,b\n\n1,2\n\n",
    'q\n"a""b"\n"""q"""\n',
    "a,,c\n,,\n",
    'h1,h2\n"x\r\ny",z\r\n',
]
out = []
for text in cases:
    delim = ";" if text.startswith("a;") else ","
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if r != []]
    out.append({"text": text, "delimiter": delim, "rows": rows})
json.dump(out, open("test/fixtures/csv_golden.json", "w"), indent=1)
