#!/usr/bin/env python3
"""board_cdp.py: drive headless Chromium over its DevTools pipe (no network
port, no packages beyond python3) to check the status board as a browser
renders it.

  board_cdp.py --url URL --profile DIR [--size WxH] [--timeout S]
               [--shot FILE --shot-after N] STEP...
  board_cdp.py --profile DIR [--timeout S] --run URL WxH SHOT STEP...
               [--run URL WxH SHOT STEP...]...

Loads URL once in a window of --size (default 1400x900), marks the page's
window, then for each STEP in order waits (at most --timeout seconds) until
it holds on the rendered page:
  'SELECTOR::TEXT'   document.querySelector(SELECTOR).innerText contains TEXT
  'SELECTOR!!TEXT'   ... does not contain TEXT
  '@layout:N'        the page has exactly N lane tiles (section.lane), each
                     of them and the alarm feed (#feed) wholly inside the
                     viewport, and no tile's content cut off (its inner box
                     no taller or wider than the tile shows)
  'for=S:STEP'       STEP holds, and goes on holding for S seconds (polled
                     every 0.2 s; it fails at the first poll it does not)
The mark must survive every step: the board updates itself in place, never
by reloading.  Each step that holds is printed with the Unix time it was
seen to hold.  With --shot, a PNG screenshot of the viewport is written after
step N (1 is the first).

With --run, one browser serves several runs in turn, each in a new tab of
its own size, its screenshot (SHOT, '-' for none) after its last step; a
board that is not there yet is asked for again every 2 s (a daemon still
starting), and the lines printed begin "run K ".  Exit 0 when every step held, 1 (with the page's
text) when one timed out, 2 when Chromium cannot be run.

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
    def __init__(self, profile, width=1400, height=900):
        self.width, self.height = width, height
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
                 f'--window-size={width},{height}', 'about:blank']
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
        self.session = None
        target = self.send('Target.createTarget', {'url': 'about:blank'})
        self.target = target['targetId']
        att = self.send('Target.attachToTarget',
                        {'targetId': self.target, 'flatten': True})
        self.session = att['sessionId']
        self.send('Emulation.setDeviceMetricsOverride',
                  {'width': self.width, 'height': self.height,
                   'deviceScaleFactor': 1, 'mobile': False})
        self.send('Page.enable')
        self.send('Page.navigate', {'url': url})

    def eval(self, expr):
        r = self.send('Runtime.evaluate', {'expression': expr,
                                           'returnByValue': True})
        return r.get('result', {}).get('value')

    def screenshot(self, path):
        h = self.eval('document.documentElement.scrollHeight') or self.height
        h = max(int(h), self.height)
        if h != self.height:
            self.send('Emulation.setDeviceMetricsOverride',
                      {'width': self.width, 'height': h,
                       'deviceScaleFactor': 1, 'mobile': False})
        shot = self.send('Page.captureScreenshot', {'format': 'png'})
        with open(path, 'wb') as f:
            f.write(base64.b64decode(shot['data']))
        if h != self.height:
            self.send('Emulation.setDeviceMetricsOverride',
                      {'width': self.width, 'height': self.height,
                       'deviceScaleFactor': 1, 'mobile': False})

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


# @layout:N: null when it holds, else what is wrong (a string).
LAYOUT_JS = """(function(n){
  if(window.__wgMark!==1)return 'the page was reloaded';
  var W=window.innerWidth,H=window.innerHeight,bad=[];
  var t=document.querySelectorAll('section.lane');
  if(t.length!==n)return t.length+' lane tiles, not '+n;
  function inside(e,name){var r=e.getBoundingClientRect();
    if(r.width<=0||r.height<=0||r.left<0||r.top<0||r.right>W+0.5||r.bottom>H+0.5)
      bad.push(name+' at '+[r.left,r.top,r.right,r.bottom].map(Math.round).join(',')+
               ' outside '+W+'x'+H);}
  t.forEach(function(e){inside(e,e.id);
    var i=e.querySelector('.in');
    if(i&&(i.scrollHeight>i.clientHeight+1||i.scrollWidth>i.clientWidth+1))
      bad.push(e.id+' content '+i.scrollWidth+'x'+i.scrollHeight+' in '+
               i.clientWidth+'x'+i.clientHeight);});
  var f=document.getElementById('feed');
  if(!f)bad.push('no #feed');else inside(f,'#feed');
  return bad.length?bad.join('; '):null;
})(%d)"""


def step_expr(step):
    if step.startswith('@layout:'):
        return f'{LAYOUT_JS % int(step[8:])}===null'
    for sep, want in (('::', 'true'), ('!!', 'false')):
        if sep in step:
            sel, text = step.split(sep, 1)
            return (f'(function(){{var e=document.querySelector({json.dumps(sel)});'
                    f'return window.__wgMark===1&&!!e&&e.innerText.indexOf('
                    f'{json.dumps(text)})>=0==={want};}})()')
    raise ValueError(f'bad step {step!r}: SELECTOR::TEXT or SELECTOR!!TEXT')


def page_text(b):
    return b.eval('document.body?document.body.innerText:""')


def load(b, url, timeout):
    """Open url in a new tab; navigate again while the board is not there
    (a daemon still starting).  True once loaded and marked."""
    b.open(url)
    end = time.time() + timeout
    tried = time.time()
    while not b.eval("document.readyState==='complete'&&"
                     "!!document.getElementById('board')"):
        if time.time() > end:
            return False
        if time.time() - tried > 2:
            b.send('Page.navigate', {'url': url})
            tried = time.time()
        time.sleep(0.1)
    b.eval('window.__wgMark=1')
    return True


def hold_step(b, step, n, tag, timeout):
    """Wait until step holds (and for=S: keeps holding); 0 or 1 (said why)."""
    hold, what = 0.0, step
    if step.startswith('for='):
        hold, what = step[4:].split(':', 1)
        hold = float(hold)
    expr = step_expr(what)
    end = time.time() + timeout
    while not b.eval(expr):
        if b.eval('window.__wgMark') != 1:
            print(f'board_cdp: {tag}the page was reloaded', file=sys.stderr)
            return 1
        if time.time() > end:
            why = ''
            if what.startswith('@layout:'):
                why = f'\n--- layout: {b.eval(LAYOUT_JS % int(what[8:]))}'
            print(f'board_cdp: {tag}step {n} never held: {step}{why}\n'
                  f'--- page text:\n{page_text(b)}', file=sys.stderr)
            return 1
        time.sleep(0.2)
    held = time.time()
    while time.time() < held + hold:
        time.sleep(0.2)
        if not b.eval(expr):
            print(f'board_cdp: {tag}step {n} stopped holding after '
                  f'{time.time() - held:.1f} s: {step}\n--- page text:\n'
                  f'{page_text(b)}', file=sys.stderr)
            return 1
    print(f'board_cdp: {tag}step {n} holds: {step} (at {held:.3f})', flush=True)
    return 0


def one_run(b, r, tag, timeout):
    b.width, b.height = r['size']
    if not load(b, r['url'], timeout):
        print(f'board_cdp: {tag}the board did not load', file=sys.stderr)
        return 1
    for n, step in enumerate(r['steps'], 1):
        if hold_step(b, step, n, tag, timeout) != 0:
            return 1
        if r['shot'] and r['shot_after'] == n:
            b.screenshot(r['shot'])
            print(f'board_cdp: {tag}screenshot {r["shot"]}', flush=True)
    return 0


def run(args, runs):
    try:
        b = Browser(args.profile, *runs[0]['size'])
    except OSError as e:
        print(f'board_cdp: cannot run chromium: {e}', file=sys.stderr)
        return 2
    try:
        for k, r in enumerate(runs, 1):
            tag = f'run {k} ' if len(runs) > 1 else ''
            if one_run(b, r, tag, args.timeout) != 0:
                return 1
            print(f'board_cdp: {tag}done', flush=True)
            b.send('Target.closeTarget', {'targetId': b.target}, session=False)
            b.session = None
        return 0
    finally:
        b.close()


def size_of(text):
    w, h = (int(x) for x in text.split('x'))
    return w, h


def parse_runs(argv):
    """The --run URL WxH SHOT STEP... groups (SHOT '-' for none, taken after
    the last step); the other arguments for argparse."""
    if '--run' not in argv:
        return argv, None
    k = argv.index('--run')
    rest, runs = argv[:k], []
    cur, i = None, k
    while i < len(argv):
        if argv[i] == '--run':
            url, size, shot = argv[i + 1:i + 4]
            cur = {'url': url, 'size': size_of(size),
                   'shot': None if shot == '-' else shot, 'steps': []}
            runs.append(cur)
            i += 4
        else:
            cur['steps'].append(argv[i])
            i += 1
    for r in runs:
        r['shot_after'] = len(r['steps'])
    return rest, runs


def main():
    argv, runs = parse_runs(sys.argv[1:])
    p = argparse.ArgumentParser()
    p.add_argument('--url', required=runs is None)
    p.add_argument('--profile', required=True)
    p.add_argument('--timeout', type=float, default=30)
    p.add_argument('--size', default='1400x900')
    p.add_argument('--shot')
    p.add_argument('--shot-after', type=int, default=0)
    p.add_argument('steps', nargs='*')
    args = p.parse_args(argv)
    if runs is None:
        runs = [{'url': args.url, 'size': size_of(args.size), 'shot': args.shot,
                 'shot_after': args.shot_after, 'steps': args.steps}]
    return run(args, runs)


if __name__ == '__main__':
    sys.exit(main())
