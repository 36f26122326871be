#!/usr/bin/python3
"""capture_pmap.py [options] NAME -- CMD [ARGS...]

A copy of ../shared/oracle/capture.py (the mmsim oracle's recorder) that also runs the real
procps-ng pmap on every captured process while it is held at exit_group.

Run CMD with ASLR disabled (setarch -R) under
    strace -f -v -s 256 -o trace.log -e inject=exit_group:delay_enter=DELAY
and, while each traced task is held at the entry of exit_group, copy
/proc/TID/{maps,smaps,status,cmdline,stat} of its process into NAME/TGID/ and run
`pmap`, `pmap -x`, `pmap -X` and `pmap -XX` on it (files pmap, pmap-x, pmap-X, pmap-XX), in a
private mount namespace where the maps and smaps just read are bind-mounted over
/proc/TGID/maps and /proc/TGID/smaps: each pmap output belongs to exactly those files.
The layout of NAME/TGID/ is that of `mmsim replay --proc-dir DIR`'s DIR/TGID/.
Writes tests/fixtures-pmap/replay/NAME/ by default.

Every capture is verified: /proc/TID/syscall must show syscall 231
(exit_group) and /proc/TID/stat the same start time both before and after the
files were read, i.e. the task never left the exit_group entry stop while we
read.  See README.md.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tracelib  # noqa: E402

DEFAULT_CWD = '/tmp/oracle-cwd'
DEFAULT_HOME = '/tmp/oracle-home'
IO_DIR = '/tmp/oracle-io'          # stdout/stderr of CMD go to fixed paths here
NR_EXIT_GROUP = 231                # x86-64
STACK_LIMIT = 8 * 1024 * 1024      # RLIMIT_STACK soft limit forced for CMD
KEEP_OUTPUT_MAX = 64 * 1024        # larger stdout/stderr: keep size+sha256 only

EXIT_LINE_RE = re.compile(rb'^(\d+)\s+exit_group\(', re.M)


def read_text(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', 'replace')


def try_read(path):
    try:
        return read_text(path)
    except OSError:
        return None


def try_read_bytes(path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError:
        return None


def run_pmap(tgid, pdir):
    """The real pmap in its four formats on the maps and smaps saved in pdir (bind-mounted over
    /proc/TGID/maps and smaps in a private mount namespace). True when all four ran."""
    q = shlex.quote
    script = ('mount --bind {d}/maps /proc/{p}/maps && mount --bind {d}/smaps /proc/{p}/smaps && '
              'pmap {p} > {d}/pmap && pmap -x {p} > {d}/pmap-x && pmap -X {p} > {d}/pmap-X && '
              'pmap -XX {p} > {d}/pmap-XX').format(d=q(pdir), p=tgid)
    r = subprocess.run(['unshare', '-m', 'sh', '-c', script], env={'PATH': '/usr/bin:/bin', 'LANG': 'C.UTF-8'})
    return r.returncode == 0


def starttime(tid):
    s = try_read('/proc/%d/stat' % tid)
    if not s:
        return None
    # comm may contain spaces/parens: split after the last ')'
    fields = s[s.rindex(')') + 2:].split()
    return fields[19]  # field 22 overall


def in_exit_group(tid):
    s = try_read('/proc/%d/syscall' % tid)
    if not s:
        return False
    return s.split(' ', 1)[0] == str(NR_EXIT_GROUP)


def status_field(text, key):
    for line in text.splitlines():
        if line.startswith(key + ':'):
            return line.split(':', 1)[1].strip()
    return None


class Capturer:
    def __init__(self, fixdir, logpath, strace_pid, delay_s):
        self.fixdir = fixdir
        self.logpath = logpath
        self.strace_pid = strace_pid
        self.delay_s = delay_s
        self.captured = {}      # tid -> info dict
        self.failed = {}        # tid -> reason
        self.first_seen = {}    # tid -> monotonic time exit_group was first noticed

    def log_size(self):
        try:
            return os.path.getsize(self.logpath)
        except OSError:
            return None

    def capture(self, tid, how):
        """Try to capture the process of task `tid`, which is (or is about to
        be) stopped at exit_group entry.  Returns True when done (success or
        definitive failure), False to retry later."""
        if tid in self.captured or tid in self.failed:
            return True
        now = time.monotonic()
        self.first_seen.setdefault(tid, now)
        st0 = starttime(tid)
        if st0 is None:
            self.failed[tid] = 'task vanished before capture (%s)' % how
            return True
        if not in_exit_group(tid):
            # The log line may be written a moment before the tracee is
            # stopped; retry for a while.
            if now - self.first_seen[tid] > self.delay_s:
                self.failed[tid] = 'never observed in exit_group (%s)' % how
                return True
            return False
        t_start = time.monotonic()
        log_off = self.log_size()
        base = '/proc/%d/' % tid
        attempts = 0
        maps_stable = False
        while True:
            attempts += 1
            maps1 = try_read(base + 'maps')
            smaps = try_read(base + 'smaps')
            status = try_read(base + 'status')
            maps2 = try_read(base + 'maps')
            if maps1 is not None and maps1 == maps2:
                maps_stable = True
                break
            if attempts >= 5:
                break
        cmdline = try_read_bytes(base + 'cmdline')
        stat = try_read(base + 'stat')
        tgid = int(status_field(status or '', 'Tgid') or tid)
        pdir = os.path.join(self.fixdir, str(tgid))
        os.makedirs(pdir, exist_ok=True)
        for fn, data in (('maps', maps1), ('smaps', smaps), ('status', status), ('stat', stat)):
            if data is not None:
                with open(os.path.join(pdir, fn), 'w') as f:
                    f.write(data)
        if cmdline is not None:
            with open(os.path.join(pdir, 'cmdline'), 'wb') as f:
                f.write(cmdline)
        pmap_ok = run_pmap(tgid, pdir)
        log_off_after = self.log_size()
        still = in_exit_group(tid) and starttime(tid) == st0
        state = status_field(try_read(base + 'status') or '', 'State')
        t_end = time.monotonic()
        ok = (maps1 is not None and smaps is not None and status is not None and pmap_ok and
              maps1 != '' and still and state is not None and state.startswith('t'))
        info = {
            'tid': tid, 'tgid': tgid, 'detected_by': how,
            'verified': ok, 'maps_stable': maps_stable, 'read_attempts': attempts,
            'state_after': state,
            'latency_ms': round((t_start - self.first_seen[tid]) * 1000, 1),
            'read_ms': round((t_end - t_start) * 1000, 1),
            # trace.log size just before / after the /proc reads.  Other
            # threads of a multi-threaded process keep running during the
            # delay: the snapshot reflects the log up to log_offset_at_capture.
            'log_offset_at_capture': log_off,
            'log_offset_after_capture': log_off_after,
            'threads': int(status_field(status or '', 'Threads') or 0),
        }
        self.captured[tid] = info
        return True

    def scan_proc(self):
        """Backup detector independent of the log: every task traced by our
        strace that sits in syscall 231."""
        found = []
        try:
            pids = [int(p) for p in os.listdir('/proc') if p.isdigit()]
        except OSError:
            return found
        for pid in pids:
            st = try_read('/proc/%d/status' % pid)
            if not st or status_field(st, 'TracerPid') != str(self.strace_pid):
                continue
            try:
                tids = [int(t) for t in os.listdir('/proc/%d/task' % pid)]
            except OSError:
                continue
            for tid in tids:
                if tid not in self.captured and in_exit_group(tid):
                    found.append(tid)
        return found


PT_NAMES = {0: 'NULL', 1: 'LOAD', 2: 'DYNAMIC', 3: 'INTERP', 4: 'NOTE', 5: 'SHLIB', 6: 'PHDR', 7: 'TLS',
            0x6474e550: 'GNU_EH_FRAME', 0x6474e551: 'GNU_STACK', 0x6474e552: 'GNU_RELRO',
            0x6474e553: 'GNU_PROPERTY'}
ET_NAMES = {1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE'}


def elf_info(path):
    """ELF header + program headers of a 64-bit little-endian ELF file, or None."""
    import struct
    try:
        with open(path, 'rb') as f:
            hdr = f.read(64)
            if len(hdr) < 64 or hdr[:4] != b'\x7fELF' or hdr[4] != 2 or hdr[5] != 1:
                return None
            e_type, e_machine, _, e_entry, e_phoff, _, _, _, e_phentsize, e_phnum = \
                struct.unpack_from('<HHIQQQIHHH', hdr, 16)
            f.seek(e_phoff)
            raw = f.read(e_phentsize * e_phnum)
            phdrs = []
            interp = None
            for i in range(e_phnum):
                p_type, p_flags, p_offset, p_vaddr, _, p_filesz, p_memsz, p_align = \
                    struct.unpack_from('<IIQQQQQQ', raw, i * e_phentsize)
                flags = ('R' if p_flags & 4 else '-') + ('W' if p_flags & 2 else '-') + ('X' if p_flags & 1 else '-')
                phdrs.append({'type': PT_NAMES.get(p_type, hex(p_type)), 'offset': hex(p_offset),
                              'vaddr': hex(p_vaddr), 'filesz': hex(p_filesz), 'memsz': hex(p_memsz),
                              'flags': flags, 'align': hex(p_align)})
                if p_type == 3:
                    f.seek(p_offset)
                    interp = f.read(p_filesz).rstrip(b'\0').decode('utf-8', 'replace')
            st = os.stat(path)
            return {'e_type': ET_NAMES.get(e_type, e_type), 'e_machine': e_machine, 'entry': hex(e_entry),
                    'interp': interp, 'size': st.st_size, 'inode': st.st_ino, 'phdrs': phdrs}
    except OSError:
        return None


def collect_elf(fixdir):
    paths = set()
    mfiles = [os.path.join(fixdir, d, 'maps') for d in os.listdir(fixdir) if d.isdigit()]
    for mf in mfiles:
        for line in open(mf):
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].startswith('/'):
                pth = parts[5].rstrip('\n')
                if not pth.endswith(' (deleted)'):
                    paths.add(pth)
    out = {}
    for pth in sorted(paths):
        info = elf_info(pth)
        if info:
            out[pth] = info
    with open(os.path.join(fixdir, 'elf.json'), 'w') as f:
        json.dump(out, f, indent=1)


def gather_env(cwd, env, cmd):
    def sh(c):
        try:
            return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
        except Exception as e:  # noqa: BLE001
            return 'ERROR %s' % e

    def rd(p):
        v = try_read(p)
        return v.strip() if v is not None else None

    meminfo = {}
    for line in (try_read('/proc/meminfo') or '').splitlines():
        k, v = line.split(':', 1)
        meminfo[k] = v.strip()
    cpu = None
    for line in (try_read('/proc/cpuinfo') or '').splitlines():
        if line.startswith('model name'):
            cpu = line.split(':', 1)[1].strip()
            break
    thp = {}
    thpdir = '/sys/kernel/mm/transparent_hugepage'
    for k in ('enabled', 'defrag', 'shmem_enabled', 'use_zero_page', 'hpage_pmd_size',
              'khugepaged/defrag', 'khugepaged/max_ptes_none', 'khugepaged/scan_sleep_millisecs'):
        thp[k] = rd(os.path.join(thpdir, k))
    mthp = {}
    if os.path.isdir(thpdir):
        for d in sorted(os.listdir(thpdir)):
            if d.startswith('hugepages-'):
                mthp[d] = rd(os.path.join(thpdir, d, 'enabled'))
    thp['mthp_enabled'] = mthp
    soft, hard = STACK_LIMIT, resource.getrlimit(resource.RLIMIT_STACK)[1]
    limits = {}
    for name in ('RLIMIT_STACK', 'RLIMIT_AS', 'RLIMIT_DATA', 'RLIMIT_MEMLOCK', 'RLIMIT_NOFILE',
                 'RLIMIT_CORE', 'RLIMIT_NPROC'):
        s, h = resource.getrlimit(getattr(resource, name))
        if name == 'RLIMIT_STACK':
            s = soft
        if name == 'RLIMIT_CORE':
            s = 0
        limits[name] = [s, h]
    kconfig = {}
    try:
        import gzip
        keys = ('CONFIG_ANON_VMA_NAME', 'CONFIG_LSM_MMAP_MIN_ADDR', 'CONFIG_DEFAULT_MMAP_MIN_ADDR',
                'CONFIG_SECURITY_SELINUX', 'CONFIG_PGTABLE_LEVELS', 'CONFIG_X86_5LEVEL', 'CONFIG_PER_VMA_LOCK',
                'CONFIG_TRANSPARENT_HUGEPAGE', 'CONFIG_TRANSPARENT_HUGEPAGE_MADVISE', 'CONFIG_KSM',
                'CONFIG_USERFAULTFD', 'CONFIG_SYSVIPC', 'CONFIG_MEMFD_CREATE', 'CONFIG_HUGETLBFS', 'CONFIG_SWAP',
                'CONFIG_MSEAL_SYSTEM_MAPPINGS', 'CONFIG_ARCH_SUPPORTS_MSEAL_SYSTEM_MAPPINGS', 'CONFIG_COMPAT_VDSO',
                'CONFIG_X86_VSYSCALL_EMULATION', 'CONFIG_LEGACY_VSYSCALL_XONLY', 'CONFIG_MEMCG', 'CONFIG_NUMA')
        with gzip.open('/proc/config.gz', 'rt') as f:
            for line in f:
                line = line.strip()
                for k in keys:
                    if line.startswith(k + '=') or line == '# %s is not set' % k:
                        kconfig[k] = line.split('=', 1)[1] if '=' in line else 'n'
    except OSError:
        kconfig = None
    cmdline = try_read('/proc/cmdline') or ''
    return {
        'uname_r': platform.release(),
        'kernel_config': kconfig,
        'stack_guard_gap_boot_param': [w for w in cmdline.split() if w.startswith('stack_guard_gap=')] or None,
        'security_lsm': (try_read('/sys/kernel/security/lsm') or '').strip() or None,
        'uname_a': ' '.join(os.uname()),
        'transparent_hugepage': thp,
        'vm.overcommit_memory': rd('/proc/sys/vm/overcommit_memory'),
        'vm.overcommit_ratio': rd('/proc/sys/vm/overcommit_ratio'),
        'vm.overcommit_kbytes': rd('/proc/sys/vm/overcommit_kbytes'),
        'vm.max_map_count': rd('/proc/sys/vm/max_map_count'),
        'vm.mmap_min_addr': rd('/proc/sys/vm/mmap_min_addr'),
        'vm.legacy_va_layout': rd('/proc/sys/vm/legacy_va_layout'),
        'kernel.randomize_va_space': rd('/proc/sys/kernel/randomize_va_space'),
        'ulimit_s_kb': soft // 1024,
        'rlimits_of_cmd': limits,
        'MemTotal': meminfo.get('MemTotal'),
        'SwapTotal': meminfo.get('SwapTotal'),
        'Hugepagesize': meminfo.get('Hugepagesize'),
        'HugePages_Total': meminfo.get('HugePages_Total'),
        'CommitLimit': meminfo.get('CommitLimit'),
        'page_size': os.sysconf('SC_PAGE_SIZE'),
        'cpu_model': cpu,
        'nproc': os.cpu_count(),
        'cpu_flag_la57': 'la57' in (try_read('/proc/cpuinfo') or '').split(),
        'date_utc': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'strace_version': sh('strace -V | head -1'),
        'pmap_version': sh('pmap -V'),
        'setarch_version': sh('setarch --version'),
        'glibc_version': sh('ldd --version | head -1'),
        'gcc_version': sh('gcc --version | head -1'),
        'uid': os.getuid(),
        'cwd': cwd,
        'env': env,
        'cmd': cmd,
    }


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument('--out', default=os.path.join(HERE, 'replay'), help='fixtures root')
    ap.add_argument('--cwd', default=DEFAULT_CWD)
    ap.add_argument('--delay', type=float, default=1.5, help='seconds each task is held at exit_group entry')
    ap.add_argument('--poll', type=float, default=0.005, help='log polling interval (s)')
    ap.add_argument('--timeout', type=float, default=600, help='kill the run after this many seconds')
    ap.add_argument('--env', action='append', default=[], help='extra K=V for CMD (keep it rare)')
    ap.add_argument('--ipc-ns', action='store_true',
                    help='run in a fresh IPC namespace (unshare --ipc): SysV ids start from 0 every run')
    ap.add_argument('--warmup', action='store_true',
                    help='run CMD once untraced first (first-run caches, e.g. dotnet, gcc)')
    ap.add_argument('name')
    ap.add_argument('cmd', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == '--' else a.cmd
    if not cmd:
        ap.error('missing CMD')

    fixdir = os.path.join(a.out, a.name)
    if os.path.exists(fixdir):
        shutil.rmtree(fixdir)
    os.makedirs(fixdir)
    for d in (a.cwd, DEFAULT_HOME, IO_DIR):
        os.makedirs(d, exist_ok=True)

    env = {'PATH': '/usr/bin:/bin', 'HOME': DEFAULT_HOME, 'LANG': 'C.UTF-8'}
    for kv in a.env:
        k, v = kv.split('=', 1)
        env[k] = v

    def preexec():
        os.umask(0o022)
        resource.setrlimit(resource.RLIMIT_STACK, (STACK_LIMIT, resource.getrlimit(resource.RLIMIT_STACK)[1]))
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
        os.setsid()

    if a.warmup:
        with open(os.devnull, 'rb') as fin, open(os.devnull, 'wb') as fout:
            subprocess.run(['setarch', '-R'] + cmd, cwd=a.cwd, env=env, stdin=fin, stdout=fout,
                           stderr=fout, preexec_fn=preexec, timeout=a.timeout)

    logpath = os.path.join(fixdir, 'trace.log')
    delay_us = int(a.delay * 1e6)
    prefix = ['unshare', '--ipc'] if a.ipc_ns else []
    strace_cmd = prefix + ['setarch', '-R', 'strace', '-f', '-v', '-s', '256',
                  '-e', 'inject=exit_group:delay_enter=%d' % delay_us, '-o', logpath, '--'] + cmd
    out_path = os.path.join(IO_DIR, 'stdout')
    err_path = os.path.join(IO_DIR, 'stderr')
    for p in (out_path, err_path):
        if os.path.exists(p):
            os.unlink(p)
    fin = open(os.devnull, 'rb')
    fout = open(out_path, 'wb')
    ferr = open(err_path, 'wb')
    t0 = time.monotonic()
    proc = subprocess.Popen(strace_cmd, cwd=a.cwd, env=env, stdin=fin, stdout=fout, stderr=ferr,
                            preexec_fn=preexec)
    cap = Capturer(fixdir, logpath, proc.pid, a.delay)
    pos = 0
    tail = b''
    pending = []          # tids seen in exit_group but not yet captured
    last_scan = 0.0
    timed_out = False
    while True:
        alive = proc.poll() is None
        try:
            with open(logpath, 'rb') as f:
                f.seek(pos)
                data = f.read()
        except OSError:
            data = b''
        if data:
            pos += len(data)
            chunk = tail + data
            nl = chunk.rfind(b'\n')
            if nl >= 0:
                complete, tail = chunk[:nl + 1], chunk[nl + 1:]
            else:
                complete, tail = b'', chunk
            for m in EXIT_LINE_RE.finditer(complete):
                pending.append((int(m.group(1)), 'log'))
        # the partial last line is exactly what a delayed exit_group looks like
        m = EXIT_LINE_RE.match(tail)
        if m and int(m.group(1)) not in [p[0] for p in pending]:
            pending.append((int(m.group(1)), 'log-partial'))
        now = time.monotonic()
        if now - last_scan > 0.1:
            last_scan = now
            for tid in cap.scan_proc():
                if tid not in [p[0] for p in pending]:
                    pending.append((tid, 'proc-scan'))
        pending = [(tid, how) for tid, how in pending if not cap.capture(tid, how)]
        if not alive:
            break
        if now - t0 > a.timeout:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(a.poll)
    rc = proc.wait()
    elapsed = time.monotonic() - t0
    for f in (fin, fout, ferr):
        f.close()

    # stdout / stderr of CMD
    outputs = {}
    for nm, p in (('stdout', out_path), ('stderr', err_path)):
        data = open(p, 'rb').read()
        outputs[nm] = {'size': len(data), 'sha256': hashlib.sha256(data).hexdigest()}
        if len(data) <= KEEP_OUTPUT_MAX:
            with open(os.path.join(fixdir, nm + '.txt'), 'wb') as f:
                f.write(data)
            outputs[nm]['kept'] = nm + '.txt'

    # ---- manifest from the trace ---------------------------------------
    events, order = tracelib.parse(logpath)
    tgid, label, parent = tracelib.process_tree(events, order)
    ncalls = sum(1 for e in events if e[0] == 'call')
    procs = {}
    for t in order:
        g = tgid[t]
        p = procs.setdefault(g, {'pid': g, 'label': label[g], 'parent': parent.get(g),
                                 'tids': [], 'syscalls': 0, 'execve': [],
                                 'exit_group_by': None, 'end': None})
        p['tids'].append(t)
    for e in events:
        if e[0] == 'call':
            c = e[1]
            p = procs[tgid[c.tid]]
            p['syscalls'] += 1
            if c.name in ('execve', 'execveat') and c.ret == '0':
                p['execve'].append(c.text.split('(', 1)[1].split(',', 1)[0])
            if c.name == 'exit_group':
                p['exit_group_by'] = c.tid
                p['exit_group_arg'] = c.text.split('(', 1)[1].split(')', 1)[0]
        elif e[0] == 'exit':
            _, t, kind, val, _ = e
            g = tgid[t]
            if t == g or procs[g]['end'] is None or kind == 'killed':
                procs[g]['end'] = '%s %s' % (kind, val)
    # calls logged by other threads of a process after its snapshot was taken
    for e in events:
        if e[0] != 'call':
            continue
        c = e[1]
        p = procs[tgid[c.tid]]
        info = None
        for t in p['tids']:
            if t in cap.captured:
                info = cap.captured[t]
        if info and info.get('log_offset_at_capture') is not None and c.offset >= info['log_offset_at_capture'] \
                and c.name != 'exit_group':
            p['calls_after_snapshot'] = p.get('calls_after_snapshot', 0) + 1
    problems = []   # capture failures: the fixture should be re-captured
    notes = []      # expected situations worth knowing about
    for g, p in procs.items():
        info = None
        for t in p['tids']:
            if t in cap.captured:
                info = cap.captured[t]
        p['capture'] = info
        fails = {t: cap.failed[t] for t in p['tids'] if t in cap.failed}
        if fails:
            p['capture_failures'] = fails
        mp = os.path.join(fixdir, str(g), 'maps')
        has_maps = os.path.exists(mp) and os.path.getsize(mp) > 0
        if p['exit_group_by'] is not None:
            if not (info and info['verified'] and has_maps):
                problems.append('pid %d (%s): exit_group but capture missing/unverified %s' %
                                (g, p['label'], fails or info))
            elif not info['maps_stable']:
                problems.append('pid %d (%s): maps changed while reading (other threads running)' %
                                (g, p['label']))
            if p.get('calls_after_snapshot'):
                notes.append('pid %d (%s): %d calls of other threads logged after the snapshot' %
                             (g, p['label'], p['calls_after_snapshot']))
        else:
            p['note'] = 'no exit_group: process ended by %s (not captured)' % (p['end'] or 'unknown')
            notes.append('pid %d (%s): %s' % (g, p['label'], p['note']))
    manifest = {
        'name': a.name, 'cmd': cmd, 'cwd': a.cwd, 'env': env,
        'strace_cmd': strace_cmd, 'strace_exit_status': rc, 'timed_out': timed_out,
        'elapsed_s': round(elapsed, 2),
        'syscalls': ncalls, 'tasks': len(order), 'processes': len(procs),
        'captured_processes': sum(1 for p in procs.values() if p['capture'] and p['capture']['verified']),
        'outputs': outputs,
        'problems': problems,
        'notes': notes,
        'process_list': sorted(procs.values(), key=lambda p: p['label']),
    }
    with open(os.path.join(fixdir, 'processes.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    with open(os.path.join(fixdir, 'cmd.txt'), 'w') as f:
        f.write('cd %s && env -i %s %s\n' % (
            shlex.quote(a.cwd), ' '.join(shlex.quote('%s=%s' % kv) for kv in env.items()),
            ' '.join(shlex.quote(x) for x in strace_cmd)))
        f.write('# CMD: %s\n' % ' '.join(shlex.quote(x) for x in cmd))
        f.write('# stdin=/dev/null stdout=%s stderr=%s RLIMIT_STACK=%d RLIMIT_CORE=0 umask=022 setsid\n'
                % (out_path, err_path, STACK_LIMIT))
    with open(os.path.join(fixdir, 'env.json'), 'w') as f:
        json.dump(gather_env(a.cwd, env, cmd), f, indent=1)
    collect_elf(fixdir)

    print('%s: exit %d, %d syscalls, %d tasks, %d processes, %d captured, %.1fs%s' % (
        a.name, rc, ncalls, len(order), len(procs), manifest['captured_processes'], elapsed,
        ''.join('\n  PROBLEM: ' + x for x in problems) + ''.join('\n  note: ' + x for x in notes)))
    if timed_out:
        return 2
    return 3 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
