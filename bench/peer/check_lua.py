#!/usr/bin/python3
"""Prints the auth middleware's Redis script as the C sources hold it
(lib/ratelimit.h's gcra function, then lib/sess.c's check_script), so the
peer runs exactly vidpipe's script: bench/peer/check_lua.py ROOT"""
import re
import sys

root = sys.argv[1]


def literals(text):
    return "".join(bytes(x, "utf-8").decode("unicode_escape")
                   for x in re.findall(r'"((?:[^"\\]|\\.)*)"', text))


h = open(f"{root}/lib/ratelimit.h").read()
gcra = h[h.index("#define RATELIMIT_GCRA_LUA"):]
gcra = gcra[:gcra.index('"end\\n"') + len('"end\\n"')]
s = open(f"{root}/lib/sess.c").read()
check = s[s.index("static struct rds_script check_script"):]
check = check[:check.index("};")]
check = check[check.index("RATELIMIT_GCRA_LUA") + len("RATELIMIT_GCRA_LUA"):]
sys.stdout.write(literals(gcra) + literals(check))
