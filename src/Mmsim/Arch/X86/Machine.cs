using System.Runtime.CompilerServices;
using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Arch.X86;

/// <summary>
/// An x86-64 SMP machine as the memory-management code sees it: N CPUs, each with its TLBs and
/// its cpu_tlbstate, the kernel's own address space (init_mm), the MMU's access path (Mmu.cs),
/// the context-switch half of arch/x86/mm/tlb.c (SwitchMm.cs) and its flush half (TlbFlush.cs,
/// which implements <see cref="ITlbFlush"/> for the page-table code). Page-table isolation (PTI)
/// is off, as on CPUs not affected by Meltdown, so each mm has one PCID per ASID.
/// </summary>
public sealed partial class Machine
{
    /// <summary>TLB_NR_DYN_ASIDS: the per-CPU ASID cache holds the last 6 mms that ran there.</summary>
    public const int TlbNrDynAsids = 6;

    /// <summary>CONFIG_HZ of the reference machine's kernel: jiffies per second.</summary>
    public const int Hz = 1000;

    private readonly Cpu[] _cpus;
    private readonly TlbLevel[] _l1d;   // _cpus[i].Tlb.L1d, for the hit path
    private readonly TlbLevel[] _l1i;
    private readonly TlbArray[] _l1dFirst;   // _l1d[i].First: the array the hit path probes
    private readonly TlbArray[] _l1iFirst;
    private readonly IPageWalker _walker;
    private ulong _lastCtxId = 1;   // last_mm_ctx_id; init_mm owns 1

    /// <summary>
    /// Boots nrCpus CPUs (1..64) with the given TLB geometry (default <see cref="TlbConfig.Skylake"/>)
    /// and PCID support (X86_FEATURE_PCID). Every CPU runs its idle task on init_mm, with its
    /// TLBs flushed and ASID 0 owned by init_mm (initialize_tlbstate_and_flush()).
    /// </summary>
    public Machine(int nrCpus, IPageWalker walker, TlbConfig? tlb = null, bool pcid = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nrCpus, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nrCpus, 64);
        _walker = walker;
        TlbConfig = tlb ?? TlbConfig.Skylake();
        Pcid = pcid;
        InitMm = new MmStruct(MmConfig.Default);
        InitMm.Context.CtxId = 1;
        _cpus = new Cpu[nrCpus];
        _l1d = new TlbLevel[nrCpus];
        _l1i = new TlbLevel[nrCpus];
        _l1dFirst = new TlbArray[nrCpus];
        _l1iFirst = new TlbArray[nrCpus];
        for (int i = 0; i < nrCpus; i++)
        {
            var idle = new Task(0, 0, null, new FdTable()) { Comm = $"swapper/{i}", ActiveMm = InitMm, Cpu = i };
            InitMm.MmCount++;   // the idle task's lazy reference to init_mm
            var cpu = new Cpu(i, new CpuTlb(TlbConfig, pcid), InitMm, idle);
            cpu.Ctxs[0] = new TlbContext { CtxId = InitMm.Context.CtxId, TlbGen = InitMm.Context.TlbGen };
            cpu.Tlb.WriteCr3(KernPcid(0), noFlush: false);
            _cpus[i] = cpu;
            _l1d[i] = cpu.Tlb.L1d;
            _l1i[i] = cpu.Tlb.L1i;
            _l1dFirst[i] = cpu.Tlb.L1d.First;
            _l1iFirst[i] = cpu.Tlb.L1i.First;
        }
    }

    public TlbConfig TlbConfig { get; }

    /// <summary>X86_FEATURE_PCID (and CR4.PCIDE): TLB entries are tagged, switch_mm uses the ASID cache.</summary>
    public bool Pcid { get; }

    /// <summary>init_mm: the kernel's address space, loaded when no user mm is.</summary>
    public MmStruct InitMm { get; }

    public IReadOnlyList<Cpu> Cpus => _cpus;

    public int NrCpus => _cpus.Length;

    /// <summary>jiffies: advanced only by <see cref="Tick"/> (the model has no clock).</summary>
    public long Jiffies { get; private set; }

    /// <summary>smp_processor_id() of the kernel code that calls the flush paths (the CPU making the syscall).</summary>
    public int ThisCpu { get; set; }

    /// <summary>The CPU with this id.</summary>
    public Cpu Cpu(int id) => _cpus[id];

    /// <summary>Advances jiffies (the cpumask trimming of flush_tlb_mm_range() is paced by them).</summary>
    public void Tick(long jiffies) => Jiffies += jiffies;

    /// <summary>Whether task is running (is current on its task_cpu).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsCurrent(Task task)
    {
        int cpu = task.Cpu;
        Cpu[] cpus = _cpus;
        return (uint)cpu < (uint)cpus.Length && cpus[cpu].Current == task;
    }

    /// <summary>The CPU task runs on, or -1.</summary>
    public int CpuOf(Task task)
    {
        // A task running on a CPU has that CPU as its task_cpu (Validate checks it), so only
        // that one CPU needs looking at.
        return IsCurrent(task) ? task.Cpu : -1;
    }

    /// <summary>
    /// init_new_context(): gives an mm its ctx_id the first time the machine meets it, with
    /// tlb_gen 0 and the first cpumask trim one second away.
    /// </summary>
    internal void EnsureContext(MmStruct mm)
    {
        if (mm.Context.CtxId == 0)
        {
            mm.Context.CtxId = ++_lastCtxId;
            mm.Context.NextTrimCpumask = Jiffies + Hz;
        }
    }

    /// <summary>kern_pcid(): the PCID written to CR3 for a dynamic ASID (ASID + 1; 0 without PCID).</summary>
    internal ulong KernPcid(int asid) => Pcid ? (ulong)asid + 1 : 0;

    /// <summary>
    /// Checks the per-CPU state: a loaded mm is alive (mm_count &gt; 0) and, unless it is
    /// init_mm, has this CPU in its cpumask and owns the loaded ASID slot; a CPU running a user
    /// task has that task's mm loaded and is not lazy; the TLB arrays' bookkeeping holds.
    /// </summary>
    public void Validate()
    {
        foreach (Cpu c in _cpus)
        {
            c.Tlb.Validate();
            MmStruct mm = c.LoadedMm;
            if (mm.MmCount <= 0)
            {
                throw new ModelBugException($"cpu {c.Id}: loaded_mm has mm_count {mm.MmCount}");
            }
            if (c.Ctxs[c.LoadedMmAsid].CtxId != mm.Context.CtxId)
            {
                throw new ModelBugException($"cpu {c.Id}: ASID {c.LoadedMmAsid} not owned by loaded_mm");
            }
            if (mm != InitMm && !mm.Context.HasCpu(c.Id))
            {
                throw new ModelBugException($"cpu {c.Id}: loaded_mm's cpumask lacks the cpu");
            }
            if (c.Current.Mm is not null && (c.LoadedMm != c.Current.Mm || c.IsLazy))
            {
                throw new ModelBugException($"cpu {c.Id}: user task {c.Current.Pid} runs without its mm loaded");
            }
            if (c.Current.Mm is null && c.Current.ActiveMm is null)
            {
                throw new ModelBugException($"cpu {c.Id}: kernel thread {c.Current.Comm} has no active_mm");
            }
        }
    }
}
