namespace Mmsim.Fault;

/// <summary>The VM_FAULT_* result bits of a handled fault.</summary>
[Flags]
public enum VmFault
{
    None = 0,

    /// <summary>VM_FAULT_MAJOR: the page had to be read from the backing file.</summary>
    Major = 1 << 0,

    /// <summary>VM_FAULT_OOM: no memory for a page or a table.</summary>
    Oom = 1 << 1,

    /// <summary>VM_FAULT_SIGBUS: beyond the end of the file.</summary>
    SigBus = 1 << 2,

    /// <summary>VM_FAULT_SIGSEGV.</summary>
    SigSegv = 1 << 3,

    /// <summary>VM_FAULT_FALLBACK: the huge-page path gave up; retry with small pages.</summary>
    Fallback = 1 << 4,

    /// <summary>The error bits (VM_FAULT_ERROR).</summary>
    Error = Oom | SigBus | SigSegv,
}
