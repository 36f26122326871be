namespace Mmsim.Process;

/// <summary>The task_struct objects of a kernel with paging (and so with slab caches).</summary>
public sealed partial class Kernel
{
    /// <summary>alloc_task_struct_node(): the new task's object, when the machine has slab caches.</summary>
    /// <summary>Tasks created and not yet exited (nr_threads plus the kernel threads the model made).</summary>
    public int LiveTasks { get; private set; }

    private void AllocTaskStruct(Task task)
    {
        LiveTasks++;
        if (Paging?.Slabs.TaskStruct is { } cache)
        {
            task.SlabObject = cache.Alloc();
        }
    }

    /// <summary>
    /// free_task(): the object goes back at exit. (The kernel frees it when the parent reaps the
    /// zombie; the model keeps no zombies.)
    /// </summary>
    private void FreeTaskStruct(Task task)
    {
        LiveTasks--;
        if (task.SlabObject >= 0 && Paging?.Slabs.TaskStruct is { } cache)
        {
            cache.Free(task.SlabObject);
            task.SlabObject = -1;
        }
    }
}
