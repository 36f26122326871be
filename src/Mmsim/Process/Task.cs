using Mmsim.Fs;
using Mmsim.Mm;

namespace Mmsim.Process;

/// <summary>
/// A task (<c>struct task_struct</c>), reduced to what memory management needs: its ids, its
/// address space (null for a kernel thread), the mm it runs on (<c>active_mm</c>) and its file table.
/// </summary>
public sealed class Task
{
    /// <summary>Creates a task.</summary>
    public Task(int pid, int tgid, MmStruct? mm, FdTable files)
    {
        Pid = pid;
        Tgid = tgid;
        Mm = mm;
        ActiveMm = mm;
        Files = files;
    }

    public int Pid { get; }

    /// <summary>The thread-group id: the pid of the process this task belongs to.</summary>
    public int Tgid { get; }

    /// <summary>mm: the address space; null for kernel threads.</summary>
    public MmStruct? Mm { get; set; }

    /// <summary>active_mm: the mm whose page tables are loaded while this task runs.</summary>
    public MmStruct? ActiveMm { get; set; }

    public FdTable Files { get; set; }

    /// <summary>fs: the working directory (shared with CLONE_FS threads).</summary>
    public FsStruct Fs { get; set; } = new("/");

    /// <summary>The command name (comm), from the last exec.</summary>
    public string Comm { get; set; } = "";

    /// <summary>The parent task (the one that forked this one).</summary>
    public Task? Parent { get; set; }

    /// <summary>The task has exited (exit or exit_group).</summary>
    public bool Exited { get; set; }

    /// <summary>min_flt: faults resolved without I/O.</summary>
    public long MinFlt { get; set; }

    /// <summary>maj_flt: faults that read the page from its file.</summary>
    public long MajFlt { get; set; }

    /// <summary>task_cpu(): the CPU the task runs on or last ran on; -1 before it first runs.</summary>
    public int Cpu { get; internal set; } = -1;

    /// <summary>The task_struct object (task_struct_cachep) on a machine with slab caches, else -1.</summary>
    internal long SlabObject { get; set; } = -1;

    /// <summary>True for the thread-group leader.</summary>
    public bool IsLeader => Pid == Tgid;
}
