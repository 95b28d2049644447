#!/usr/bin/env python3
"""board_cdp.py: drive headless Chromium over its DevTools pipe (no network
port, no packages beyond python3) to check the status board as a browser
renders it.

  board_cdp.py --url URL --profile DIR [--timeout S] [--shot FILE --shot-after N]
               STEP...

Loads URL once, marks the page's window, then for each STEP in order waits
(at most --timeout seconds) until it holds on the rendered page:
  'SELECTOR::TEXT'   document.querySelector(SELECTOR).innerText contains TEXT
  'SELECTOR!!TEXT'   ... does not contain TEXT
The mark must survive every step: the board updates itself in place, never
by reloading.  With --shot, a PNG screenshot is written after step N (1 is
the first).  Exit 0 when every step held, 1 (with the page's text) when one
timed out, 2 when Chromium cannot be run.

Chromium reads DevTools commands on fd 3 and writes answers on fd 4, each
a JSON message ended by a NUL byte (--remote-debugging-pipe).
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import time


class Browser:
    def __init__(self, profile):
        exe = shutil.which('chromium') or shutil.which('chromium-browser')
        if exe is None:
            raise OSError('chromium is not installed')
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        # As root Chromium refuses to start without --no-sandbox (the
        # test machine runs its tests as root); nothing else is loaded.
        flags = ['--headless', '--no-sandbox', '--disable-gpu',
                 '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--disable-extensions', '--mute-audio', '--hide-scrollbars',
                 f'--user-data-dir={profile}', '--remote-debugging-pipe',
                 '--window-size=1400,900', 'about:blank']
        # fd 3: commands in, fd 4: answers out, set up by the shell
        wrap = f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}'
        self.proc = subprocess.Popen(['sh', '-c', wrap, exe] + flags,
                                     pass_fds=(to_chrome_r, from_chrome_w),
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(profile, 'chromium.log'), 'w'))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b''
        self.next_id = 0
        self.session = None

    def send(self, method, params=None, session=True, timeout=20):
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session and self.session:
            msg['sessionId'] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b'\0')
        end = time.time() + timeout
        while time.time() < end:
            for m in self.read(end - time.time()):
                if m.get('id') == self.next_id:
                    if 'error' in m:
                        raise RuntimeError(f'{method}: {m["error"]}')
                    return m.get('result', {})
        raise TimeoutError(f'{method}: no answer in {timeout} s')

    def read(self, wait):
        import select
        r, _, _ = select.select([self.from_chrome], [], [], max(0.0, wait))
        if not r:
            return []
        chunk = os.read(self.from_chrome, 1 << 20)
        if not chunk:
            raise RuntimeError('chromium closed its DevTools pipe')
        self.buf += chunk
        msgs = []
        while b'\0' in self.buf:
            one, self.buf = self.buf.split(b'\0', 1)
            msgs.append(json.loads(one))
        return msgs

    def open(self, url):
        target = self.send('Target.createTarget', {'url': 'about:blank'})
        att = self.send('Target.attachToTarget',
                        {'targetId': target['targetId'], 'flatten': True})
        self.session = att['sessionId']
        self.send('Emulation.setDeviceMetricsOverride',
                  {'width': 1400, 'height': 900, 'deviceScaleFactor': 1,
                   'mobile': False})
        self.send('Page.enable')
        self.send('Page.navigate', {'url': url})

    def eval(self, expr):
        r = self.send('Runtime.evaluate', {'expression': expr,
                                           'returnByValue': True})
        return r.get('result', {}).get('value')

    def screenshot(self, path):
        h = self.eval('document.documentElement.scrollHeight') or 900
        self.send('Emulation.setDeviceMetricsOverride',
                  {'width': 1400, 'height': int(h), 'deviceScaleFactor': 1,
                   'mobile': False})
        shot = self.send('Page.captureScreenshot', {'format': 'png'})
        with open(path, 'wb') as f:
            f.write(base64.b64decode(shot['data']))

    def close(self):
        try:
            self.send('Browser.close', session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def step_expr(step):
    for sep, want in (('::', 'true'), ('!!', 'false')):
        if sep in step:
            sel, text = step.split(sep, 1)
            return (f'(function(){{var e=document.querySelector({json.dumps(sel)});'
                    f'return window.__wgMark===1&&!!e&&e.innerText.indexOf('
                    f'{json.dumps(text)})>=0==={want};}})()')
    raise ValueError(f'bad step {step!r}: SELECTOR::TEXT or SELECTOR!!TEXT')


def run(args):
    try:
        b = Browser(args.profile)
    except OSError as e:
        print(f'board_cdp: cannot run chromium: {e}', file=sys.stderr)
        return 2
    try:
        b.open(args.url)
        end = time.time() + args.timeout
        while not b.eval("document.readyState==='complete'&&"
                         "!!document.getElementById('board')"):
            if time.time() > end:
                print('board_cdp: the board did not load', file=sys.stderr)
                return 1
            time.sleep(0.1)
        b.eval('window.__wgMark=1')
        for n, step in enumerate(args.steps, 1):
            expr = step_expr(step)
            end = time.time() + args.timeout
            while not b.eval(expr):
                if b.eval('window.__wgMark') != 1:
                    print('board_cdp: the page was reloaded', file=sys.stderr)
                    return 1
                if time.time() > end:
                    print(f'board_cdp: step {n} never held: {step}\n--- page text:\n'
                          f'{b.eval("document.body.innerText")}', file=sys.stderr)
                    return 1
                time.sleep(0.2)
            print(f'board_cdp: step {n} holds: {step}')
            if args.shot and args.shot_after == n:
                b.screenshot(args.shot)
                print(f'board_cdp: screenshot {args.shot}')
        return 0
    finally:
        b.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--url', required=True)
    p.add_argument('--profile', required=True)
    p.add_argument('--timeout', type=float, default=30)
    p.add_argument('--shot')
    p.add_argument('--shot-after', type=int, default=0)
    p.add_argument('steps', nargs='*')
    return run(p.parse_args())


if __name__ == '__main__':
    sys.exit(main())
