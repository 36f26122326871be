using System.Globalization;
using System.Text;
using Mmsim.Mm;
using Mmsim.Replay;
using Mmsim.Strace;
using Task = Mmsim.Process.Task;

namespace Mmsim.Scenario;

/// <summary>System calls in a scenario: written as strace prints them, applied by the replay's dispatcher.</summary>
public sealed partial class ScenarioRun
{
    /// <summary>
    /// Makes the call written in text (expressions in its arguments already allowed: see
    /// <see cref="SubstituteExpressions"/>) as pid, which may be a pid no task has yet (the first
    /// call of a new process, an execve). The results the model does not choose (a child's pid, a
    /// new fd) are filled in when the text gives none. Prints the call with its result when
    /// <see cref="TraceCalls"/> is on, and a divergence line when a written result differs from
    /// the model's. Returns the model's result.
    /// </summary>
    public long Call(Statement s, string text, int pid)
    {
        string call = SubstituteExpressions(text, name => Variable(name), out string? error);
        if (error is not null)
        {
            throw Error(s, error);
        }
        StraceEvent ev;
        try
        {
            ev = StraceReader.ParseCall(call, FileName, s.Line, pid);
        }
        catch (StraceFormatException e)
        {
            throw Error(s, e.Reason);
        }
        if (Kernel.Find(pid) is { } task && task.Mm is null && ev.Name is not ("exit" or "exit_group"))
        {
            throw Error(s, $"pid {pid} ({task.Comm}) is a kernel thread: it makes no system calls here");
        }
        ev = FillResult(ev, pid);
        ReplayStepResult r;
        try
        {
            r = Replayer.Step(ev, FileName);
        }
        catch (ReplayException e)
        {
            string prefix = FileName + ":" + s.Line.ToString(CultureInfo.InvariantCulture) + ": ";
            throw Error(s, e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message);
        }
        if (!r.Handled)
        {
            throw Error(s, $"the model has no handler for {ev.Name}() (memory, file and process calls only; see docs/scenarios.md)");
        }
        if (TraceCalls)
        {
            Out.WriteLine($"[pid {pid}] {ev.Name}({ev.Args}) = {ShowResult(ev.Name, r.Result, ev.Name is "exit" or "exit_group")}");
        }
        if (r.Divergence is { } d)
        {
            Out.WriteLine($"{FileName}:{s.Line}: pid {pid} {ev.Name}: recorded {ShowResult(ev.Name, d.Recorded, false)}, model {ShowResult(ev.Name, d.Model, false)}");
        }
        return r.Result;
    }

    /// <summary>strace's way of printing a result: hex for the calls that return addresses, "-1 ENAME" for errors.</summary>
    public static string ShowResult(string call, long result, bool noReturn)
    {
        if (noReturn)
        {
            return "?";
        }
        if (result < 0 && result >= -4095)
        {
            return "-1 " + (Mmsim.Strace.Errno.NameOf((int)-result) ?? "E" + (-result).ToString(CultureInfo.InvariantCulture));
        }
        return call is "mmap" or "brk" or "mremap" or "shmat" ? Hex((ulong)result) : result.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The results a log would carry but the model does not choose: the child's pid of a fork or
    /// clone, the lowest free fd from 3 up (0, 1, 2 being the terminal) of a call that makes one, 0 for the calls that succeed with 0, a
    /// new shm id. Calls the model answers itself (mmap, brk, ...) are left without one.
    /// </summary>
    private StraceEvent FillResult(in StraceEvent ev, int pid)
    {
        if (ev.HasResult)
        {
            return ev;
        }
        Task? task = Kernel.Find(pid);
        long? result = ev.Name switch
        {
            "fork" or "vfork" or "clone" or "clone3" => NextPid(),
            "execve" or "execveat" or "close" or "chdir" or "fchdir" or "ftruncate" or "unlink" or "unlinkat" or "newfstatat" or "fstat" or "statx"
                or "pipe" or "pipe2" or "shmctl" => 0,
            "openat" or "openat2" or "open" or "creat" or "memfd_create" or "socket" or "eventfd" or "eventfd2" or "epoll_create" or "epoll_create1"
                or "timerfd_create" or "signalfd" or "signalfd4" or "inotify_init" or "inotify_init1" or "userfaultfd" or "dup" => task?.Files.LowestFree(3) ?? 3,
            "dup2" or "dup3" => ev.GetArgs().TryGetInt64(1, out long newFd) ? newFd : null,
            "shmget" => NextShmId(),
            _ => null,
        };
        return result is { } v ? ev with { HasResult = true, Result = v } : ev;
    }

    private int NextShmId()
    {
        int id = 0;
        foreach (int used in Kernel.ShmSegments.Keys)
        {
            id = Math.Max(id, used + 1);
        }
        return id;
    }

    /// <summary>
    /// Replaces each argument of a call line (and its written result) that is an expression - it
    /// holds a <c>$variable</c>, arithmetic or a size suffix - by its value: in hex when it involves
    /// a variable and is 0x10000 or more (an address), else in decimal (a size). Arguments in strace's own notation (flags, strings, arrays,
    /// structures) are left alone; so is <c>name=value</c>'s name. lookup gives variables; error
    /// is set for an undefined variable or a bad expression.
    /// </summary>
    public static string SubstituteExpressions(string call, Func<string, long?> lookup, out string? error)
    {
        error = null;
        int open = call.IndexOf('(', StringComparison.Ordinal);
        int close = open < 0 ? -1 : MatchingParen(call, open);
        if (open < 0 || close < 0)
        {
            return call;
        }
        var sb = new StringBuilder(call.Length);
        sb.Append(call, 0, open + 1);
        int start = open + 1;
        int depth = 0;
        bool quoted = false;
        for (int i = start; i <= close; i++)
        {
            char c = call[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                continue;
            }
            if (c == '"')
            {
                quoted = true;
            }
            else if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if ((c is ')' or ']' or '}') && i < close)
            {
                depth--;
            }
            else if ((c == ',' && depth == 0) || i == close)
            {
                sb.Append(Argument(call[start..i], lookup, ref error));
                sb.Append(c);
                start = i + 1;
            }
        }
        string rest = call[(close + 1)..];
        int eq = rest.IndexOf('=', StringComparison.Ordinal);
        if (eq >= 0 && Expr.LooksLikeExpression(rest.AsSpan(eq + 1)) && rest.AsSpan(eq + 1).Trim().Length > 0)
        {
            rest = rest[..(eq + 1)] + " " + Argument(rest[(eq + 1)..], lookup, ref error).Trim();
        }
        sb.Append(rest);
        return sb.ToString();
    }

    private static string Argument(string arg, Func<string, long?> lookup, ref string? error)
    {
        string text = arg;
        string head = "";
        int eq = arg.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0 && IsIdentifier(arg.AsSpan(0, eq).Trim()))
        {
            head = arg[..(eq + 1)];
            text = arg[(eq + 1)..];
        }
        if (!Expr.LooksLikeExpression(text))
        {
            return arg;
        }
        if (!Expr.TryEvaluate(text, lookup, out long v, out string? why))
        {
            error ??= why;
            return arg;
        }
        string lead = arg.Length > 0 && char.IsWhiteSpace(arg[0]) && head.Length == 0 ? " " : "";
        // An expression on a variable is an address (hex, as strace prints pointers); one on numbers a size.
        bool address = text.Contains('$', StringComparison.Ordinal) && (v >= 0x10000 || v < -4096);
        return head + lead + (address ? Hex((ulong)v) : v.ToString(CultureInfo.InvariantCulture));
    }

    private static bool IsIdentifier(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !(char.IsAsciiLetter(s[0]) || s[0] == '_'))
        {
            return false;
        }
        foreach (char c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The index of the ')' closing the '(' at open (quotes and nesting respected), or -1.</summary>
    private static int MatchingParen(string s, int open)
    {
        int depth = 0;
        bool quoted = false;
        for (int i = open; i < s.Length; i++)
        {
            char c = s[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}' && --depth == 0)
            {
                return c == ')' ? i : -1;
            }
        }
        return -1;
    }

    /// <summary>
    /// What the kernel does when an access of the task fails (do_user_addr_fault() → force_sig_fault()):
    /// the signal, printed as strace prints it, and - no handler being installed - the death of the
    /// whole thread group. Returns false when the task was killed.
    /// </summary>
    public bool Deliver(Task task, FaultResult result, ulong addr)
    {
        if (result == FaultResult.Ok)
        {
            return true;
        }
        string at = Hex(addr);
        string line = result switch
        {
            FaultResult.MapErr => $"--- SIGSEGV {{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr={at}}} ---",
            FaultResult.AccErr => $"--- SIGSEGV {{si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr={at}}} ---",
            FaultResult.SigBus => $"--- SIGBUS {{si_signo=SIGBUS, si_code=BUS_ADRERR, si_addr={at}}} ---",
            _ => "--- out of memory: the OOM killer chooses this process ---",
        };
        string killed = result switch
        {
            FaultResult.MapErr or FaultResult.AccErr => "SIGSEGV (core dumped)",
            FaultResult.SigBus => "SIGBUS (core dumped)",
            _ => "SIGKILL",
        };
        Out.WriteLine($"[pid {task.Pid}] {line}");
        Out.WriteLine($"[pid {task.Pid}] +++ killed by {killed} +++");
        Kernel.ExitGroup(task);
        return false;
    }
}
