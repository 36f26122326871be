using Mmsim.Fs;

namespace Mmsim.Process;

/// <summary>Kernel threads (kthread_create()): tasks with no mm that borrow active_mm when they run.</summary>
public sealed partial class Kernel
{
    /// <summary>
    /// Creates a kernel thread named name (comm) with Mm = null and no active_mm until it is
    /// scheduled. pid 0 picks the next pid above every existing one (2, kthreadd's, on an empty
    /// machine). The model keeps the pid space simple: the caller owns pid choice otherwise.
    /// </summary>
    public Task CreateKernelThread(string name, int pid = 0)
    {
        if (pid == 0)
        {
            pid = 2;
            foreach (int used in _tasks.Keys)
            {
                pid = Math.Max(pid, used + 1);
            }
        }
        var task = new Task(pid, pid, null, new FdTable()) { Comm = name.Length > 15 ? name[..15] : name };
        _tasks[pid] = task;
        AllocTaskStruct(task);
        return task;
    }
}
