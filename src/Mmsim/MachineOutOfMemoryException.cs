namespace Mmsim;

/// <summary>
/// Thrown when the simulated machine has no frame left for something the model does not fail
/// gracefully: the root table of a new address space (pgd_alloc()), the page tables fork copies
/// (dup_mmap()). The kernel would fail that fork or exec with -ENOMEM, or its OOM killer would
/// already have killed someone; the model stops instead. Not a model bug: a log or a scenario
/// can ask for more memory than the machine has.
/// </summary>
public sealed class MachineOutOfMemoryException : Exception
{
    /// <summary>Creates the exception; the message names the kernel function that found no memory.</summary>
    public MachineOutOfMemoryException(string message)
        : base(message)
    {
    }
}
