#!/usr/bin/env python3
"""promcheck.py FILE [--dump]: check a Prometheus text exposition (format
0.0.4) independently of the code that wrote it.

Checks: every line ends with a line feed; comment lines are '# HELP name
text' or '# TYPE name type' (other comments are allowed); metric and label
names follow the grammar; label values use only the escapes \\\\ \\" \\n;
sample values are floats (or +Inf/-Inf/NaN); at most one HELP and one TYPE
per family, both before the family's first sample; a family's samples are
contiguous; counters are named *_total; names carrying units use base
units (_seconds, _bytes); a histogram has _bucket samples with an 'le'
label per label set, cumulative counts that never decrease as le grows, a
'+Inf' bucket equal to _count, and a _sum.  No two samples share a name and
label set.

With --dump, prints every sample as 'name{k="v",...} value' with labels
sorted, for the tests to compare.  Exit 0 when valid, 1 with each problem
on standard error.
"""
import math
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


class Problems(list):
    def add(self, lineno, msg):
        self.append(f'line {lineno}: {msg}')


def parse_value(s):
    if s in ('+Inf', 'Inf'):
        return math.inf
    if s == '-Inf':
        return -math.inf
    if s == 'NaN':
        return math.nan
    if not re.fullmatch(r'[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?', s):
        raise ValueError(s)
    return float(s)


def parse_labels(text, pos, lineno, probs):
    """Labels from text[pos] == '{'; returns (dict, position after '}')."""
    labels = {}
    pos += 1
    while True:
        if pos < len(text) and text[pos] == '}':
            return labels, pos + 1
        m = LABEL.match(text, pos)
        if not m:
            raise ValueError(f'bad label name at column {pos + 1}')
        name = m.group(0)
        pos = m.end()
        if text[pos:pos + 2] != '="':
            raise ValueError(f'expected =" after label {name}')
        pos += 2
        val = []
        while True:
            if pos >= len(text):
                raise ValueError('unterminated label value')
            c = text[pos]
            if c == '\\':
                nxt = text[pos + 1:pos + 2]
                if nxt not in ('\\', '"', 'n'):
                    raise ValueError(f'bad escape \\{nxt} in label {name}')
                val.append({'\\': '\\', '"': '"', 'n': '\n'}[nxt])
                pos += 2
            elif c == '"':
                pos += 1
                break
            else:
                val.append(c)
                pos += 1
        if name in labels:
            raise ValueError(f'label {name} twice')
        labels[name] = ''.join(val)
        if text[pos:pos + 1] == ',':
            pos += 1
        elif text[pos:pos + 1] != '}':
            raise ValueError(f'expected , or }} after label {name}')


def family_of(name, types):
    for suffix in ('_bucket', '_sum', '_count'):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) in ('histogram', 'summary'):
            return base
    return name


def check_comment(line, lineno, fam_state, types, helps, probs):
    parts = line.split(None, 3)
    if len(parts) < 2 or parts[1] not in ('HELP', 'TYPE'):
        return
    if len(parts) < 3 or not NAME.fullmatch(parts[2]):
        probs.add(lineno, f'bad {parts[1]} line')
        return
    name = parts[2]
    if fam_state.get(name) == 'samples':
        probs.add(lineno, f'{parts[1]} for {name} after its samples')
    if parts[1] == 'HELP':
        if name in helps:
            probs.add(lineno, f'second HELP for {name}')
        helps[name] = parts[3] if len(parts) > 3 else ''
    else:
        if name in types:
            probs.add(lineno, f'second TYPE for {name}')
        if len(parts) < 4 or parts[3] not in TYPES:
            probs.add(lineno, f'bad type for {name}')
        else:
            types[name] = parts[3]


def parse_sample(line, lineno):
    m = NAME.match(line)
    if not m:
        raise ValueError('bad metric name')
    name = m.group(0)
    pos = m.end()
    labels = {}
    if line[pos:pos + 1] == '{':
        labels, pos = parse_labels(line, pos, lineno, None)
    rest = line[pos:]
    if not rest.startswith(' '):
        raise ValueError('expected a space before the value')
    fields = rest.split(' ')[1:]
    if not 1 <= len(fields) <= 2 or '' in fields:
        raise ValueError('expected "value [timestamp]"')
    value = parse_value(fields[0])
    if len(fields) == 2 and not re.fullmatch(r'-?\d+', fields[1]):
        raise ValueError('bad timestamp')
    return name, labels, value


def check_histograms(samples, types, probs):
    for fam, t in types.items():
        if t != 'histogram':
            continue
        groups = {}
        for (name, labels, value, lineno) in samples:
            if family_of(name, types) != fam:
                continue
            key = tuple(sorted((k, v) for k, v in labels.items() if k != 'le'))
            g = groups.setdefault(key, {'buckets': [], 'sum': None, 'count': None})
            if name == fam + '_bucket':
                if 'le' not in labels:
                    probs.add(lineno, f'{name} without le')
                    continue
                try:
                    g['buckets'].append((parse_value(labels['le']), value, lineno))
                except ValueError:
                    probs.add(lineno, f'bad le "{labels["le"]}"')
            elif name == fam + '_sum':
                g['sum'] = value
            elif name == fam + '_count':
                g['count'] = value
            else:
                probs.add(lineno, f'{name} in histogram {fam}')
        for key, g in groups.items():
            where = f'{fam}{dict(key)}'
            b = sorted(g['buckets'])
            if not b or b[-1][0] != math.inf:
                probs.append(f'{where}: no +Inf bucket')
                continue
            for (le0, v0, _), (le1, v1, ln) in zip(b, b[1:]):
                if le0 == le1:
                    probs.add(ln, f'{where}: le {le1} twice')
                if v1 < v0:
                    probs.add(ln, f'{where}: bucket le={le1} ({v1}) below le={le0} ({v0})')
            if g['count'] is None or g['sum'] is None:
                probs.append(f'{where}: _count or _sum missing')
            elif b[-1][1] != g['count']:
                probs.append(f'{where}: +Inf bucket {b[-1][1]} != _count {g["count"]}')


def check(text):
    probs = Problems()
    if text and not text.endswith('\n'):
        probs.append('the last line does not end with a line feed')
    types, helps, fam_state = {}, {}, {}
    samples, seen = [], set()
    current = None
    for lineno, line in enumerate(text.split('\n')[:-1] if text.endswith('\n')
                                  else text.split('\n'), 1):
        if line == '':
            continue
        if line.startswith('#'):
            check_comment(line, lineno, fam_state, types, helps, probs)
            continue
        try:
            name, labels, value = parse_sample(line, lineno)
        except ValueError as e:
            probs.add(lineno, f'{e}: {line!r}')
            continue
        fam = family_of(name, types)
        if fam != current:
            if fam_state.get(fam) == 'samples':
                probs.add(lineno, f'samples of {fam} are not contiguous')
            current = fam
        fam_state[fam] = 'samples'
        if fam not in types:
            probs.add(lineno, f'{fam}: no TYPE before its samples')
        if fam not in helps:
            probs.add(lineno, f'{fam}: no HELP before its samples')
        if types.get(fam) == 'counter' and not fam.endswith('_total'):
            probs.add(lineno, f'counter {fam} not named *_total')
        if re.search(r'_(milliseconds|ms|kilobytes|megabytes|mb)(_|$)', fam):
            probs.add(lineno, f'{fam}: not in base units')
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            probs.add(lineno, f'{name}{labels} twice')
        seen.add(key)
        samples.append((name, labels, value, lineno))
    check_histograms(samples, types, probs)
    return samples, probs


def fmt(v):
    if v == math.inf:
        return '+Inf'
    return repr(int(v)) if v == int(v) else repr(v)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    if len(args) != 1:
        print('usage: promcheck.py FILE [--dump]', file=sys.stderr)
        return 2
    with open(args[0], encoding='utf-8') as f:
        text = f.read()
    samples, probs = check(text)
    for p in probs:
        print(f'promcheck: {args[0]}: {p}', file=sys.stderr)
    if '--dump' in sys.argv:
        for (name, labels, value, _) in samples:
            lab = ','.join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            print(f'{name}{{{lab}}} {fmt(value)}')
    if not samples:
        print(f'promcheck: {args[0]}: no samples', file=sys.stderr)
        return 1
    return 1 if probs else 0


if __name__ == '__main__':
    sys.exit(main())
