namespace Mmsim.Strace;

/// <summary>What a <see cref="StraceEvent"/> describes.</summary>
public enum StraceEventKind
{
    /// <summary>A finished (or never-resumed) system call: name, joined arguments and result.</summary>
    Syscall,

    /// <summary>
    /// A call was entered but its line ended in <c>&lt;unfinished ...&gt;</c>; only the partial arguments are known.
    /// The matching <see cref="Syscall"/> event follows later, when the call resumes or is abandoned.
    /// </summary>
    Entered,

    /// <summary><c>+++ exited with N +++</c>: the process exited with <see cref="StraceEvent.ExitCode"/>.</summary>
    Exited,

    /// <summary><c>+++ killed by SIGX +++</c>: the process was killed by <see cref="StraceEvent.SignalName"/>.</summary>
    Killed,

    /// <summary><c>--- SIGX {...} ---</c>: a signal was delivered (or the process was stopped by one).</summary>
    Signal,

    /// <summary>Any other informational line (<c>strace: ...</c>, <c>+++ superseded by execve ... +++</c>, <c>[ Process ... ]</c>).</summary>
    Info,
}
