namespace Mmsim.Mm;

/// <summary>
/// A process address space (<c>struct mm_struct</c>): the VMA index, the layout of the program
/// (code, data, brk, stack, arguments), the VM counters and the two reference counts the seeds
/// describe: <see cref="MmUsers"/> (tasks sharing it) and <see cref="MmCount"/> (references to
/// the struct itself, one of them held collectively by the users). The memory syscalls are the
/// partial files named after the kernel's (Mmap.cs, Mprotect.cs, ...).
/// </summary>
public sealed partial class MmStruct
{
    /// <summary>Creates an empty address space with mm_users = mm_count = 1 (mm_alloc()).</summary>
    public MmStruct(MmConfig config)
    {
        Config = config;
        TaskSize = config.TaskSize;
        MmUsers = 1;
        MmCount = 1;
    }

    public MmConfig Config { get; }

    // The VMA index; changed only by the syscalls of this class.
    public VmaTree Vmas { get; } = new();

    /// <summary>map_count: the number of VMAs.</summary>
    public int MapCount => Vmas.Count;

    // Reference counts (mmget/mmput, mmgrab/mmdrop).
    public int MmUsers { get; set; }

    public int MmCount { get; set; }

    // VM counters in pages, kept by vm_stat_account() and the mlock paths.
    public ulong TotalVm { get; internal set; }

    public ulong LockedVm { get; internal set; }

    public ulong PinnedVm { get; internal set; }

    public ulong DataVm { get; internal set; }

    public ulong ExecVm { get; internal set; }

    public ulong StackVm { get; internal set; }

    /// <summary>hiwater_vm: the largest total_vm seen (VmPeak).</summary>
    public ulong HiwaterVm { get; internal set; }

    // Layout, set by exec and brk.
    public ulong StartCode { get; set; }

    public ulong EndCode { get; set; }

    public ulong StartData { get; set; }

    public ulong EndData { get; set; }

    public ulong StartBrk { get; set; }

    public ulong Brk { get; set; }

    public ulong StartStack { get; set; }

    public ulong ArgStart { get; set; }

    public ulong ArgEnd { get; set; }

    public ulong EnvStart { get; set; }

    public ulong EnvEnd { get; set; }

    /// <summary>mmap_base: the top of the top-down mmap area.</summary>
    public ulong MmapBase { get; set; }

    /// <summary>mmap_legacy_base: where bottom-up searches start.</summary>
    public ulong MmapLegacyBase { get; set; }

    public ulong TaskSize { get; set; }

    /// <summary>MMF_TOPDOWN: the mmap area grows down from mmap_base.</summary>
    public bool TopDown { get; set; } = true;

    /// <summary>def_flags: VM_LOCKED|VM_LOCKONFAULT after mlockall(MCL_FUTURE).</summary>
    public VmFlags DefFlags { get; set; }

    /// <summary>The brk area was moved away from the binary (static PIE), so brk() may not shrink below start_brk's VMA.</summary>
    public bool BrkMoved { get; set; }

    /// <summary>The personality has ADDR_NO_RANDOMIZE (setarch -R); recorded for display.</summary>
    public bool NoRandomize { get; set; } = true;

    /// <summary>
    /// vm_stat_account(): adds (or, negative, removes) pages to total_vm and to the exec, stack or
    /// data counter the flags select.
    /// </summary>
    internal void StatAccount(VmFlags flags, long pages)
    {
        TotalVm = (ulong)((long)TotalVm + pages);
        if (TotalVm > HiwaterVm)
        {
            HiwaterVm = TotalVm;
        }
        if ((flags & (VmFlags.Exec | VmFlags.Write | VmFlags.GrowsDown)) == VmFlags.Exec)
        {
            ExecVm = (ulong)((long)ExecVm + pages);
        }
        else if ((flags & VmFlags.GrowsDown) != 0)
        {
            StackVm = (ulong)((long)StackVm + pages);
        }
        else if ((flags & (VmFlags.Write | VmFlags.Shared | VmFlags.GrowsDown)) == VmFlags.Write)
        {
            DataVm = (ulong)((long)DataVm + pages);
        }
    }

    /// <summary>
    /// may_expand_vm(): whether npages more of the given kind fit RLIMIT_AS and RLIMIT_DATA.
    /// </summary>
    internal bool MayExpandVm(VmFlags flags, ulong npages)
    {
        if (Page.Bytes(TotalVm + npages) > Config.RlimitAs && Config.RlimitAs != ulong.MaxValue)
        {
            return false;
        }
        bool isData = (flags & (VmFlags.Write | VmFlags.Shared | VmFlags.GrowsDown)) == VmFlags.Write;
        if (isData && Config.RlimitData != ulong.MaxValue && Page.Bytes(DataVm + npages) > Config.RlimitData)
        {
            return false;
        }
        return true;
    }

    /// <summary>
    /// __vm_enough_memory(): the overcommit policy. Mode 0 refuses a single request larger than
    /// RAM plus swap; mode 1 accepts all; mode 2 compares with the commit limit (not tracked
    /// machine-wide here, so it uses this mm's committed pages).
    /// </summary>
    internal bool VmEnoughMemory(ulong pages)
    {
        return Config.OvercommitMemory switch
        {
            1 => true,
            2 => pages + CommittedPages <= (Config.TotalRamPages * (ulong)Config.OvercommitRatio / 100) + Config.TotalSwapPages,
            _ => pages <= Config.TotalRamPages + Config.TotalSwapPages,
        };
    }

    /// <summary>
    /// dup_mmap() dropped VM_LOCKED from copied VMAs without merging them, as the kernel does,
    /// so neighbours that differed only in their lock flags may stay apart in this mm.
    /// </summary>
    internal bool ForkUnlockedNeighbours { get; set; }

    /// <summary>
    /// Addresses where a refused operation left a VMA split (vms_gather_munmap_vmas() splits the
    /// first VMA before it meets a sealed one and does not undo the split on -EPERM): the two
    /// halves stay apart, as in the kernel, until something else changes them.
    /// </summary>
    internal HashSet<ulong>? SplitsLeftByRefusal { get; set; }

    /// <summary>Pages charged to this mm for VM_ACCOUNT areas (its share of vm_committed_as).</summary>
    public ulong CommittedPages { get; internal set; }

    /// <summary>
    /// validate_mm(): the tree, the list, map_count and the counters agree with a scan, and the
    /// page tables with the VMAs and the RSS counters (<see cref="DebugVm.ValidateMm.Check"/>,
    /// <see cref="Fault.MmPaging.Check"/>). Throws <see cref="ModelBugException"/> naming every violation.
    /// </summary>
    public void Validate()
    {
        var found = new List<DebugVm.VmViolation>();
        DebugVm.ValidateMm.Check(this, found);
        Paging?.Check(found);
        DebugVm.ValidateMachine.ThrowIfAny(found);
    }
}
