using Mmsim.Mm;
using Mmsim.Tlb;

namespace Mmsim.Arch.X86;

/// <summary>
/// The flush half of arch/x86/mm/tlb.c: flush_tlb_mm_range(), native_flush_tlb_multi(),
/// should_flush_tlb() and flush_tlb_func(). A flush bumps the mm's tlb_gen; the initiating CPU
/// and every other CPU of mm_cpumask() that has the mm loaded and is not lazy run
/// flush_tlb_func() (the others through an IPI); a CPU that runs the mm again later catches up
/// through its ASID slot's tlb_gen in switch_mm. IPIs are delivered at once (the model has no
/// concurrency), so LOADED_MM_SWITCHING never shows.
/// </summary>
public sealed partial class Machine : ITlbFlush
{
    /// <summary>TLB_FLUSH_ALL: the end of a flush that covers the whole mm.</summary>
    public const ulong TlbFlushAll = ulong.MaxValue;

    /// <summary>
    /// tlb_single_page_flush_ceiling (debugfs x86/tlb_single_page_flush_ceiling): a range of
    /// more strides than this is flushed whole.
    /// </summary>
    public ulong TlbSinglePageFlushCeiling { get; set; } = 33;

    // Machine-wide flush counters (the vmstat nr_tlb_* events and the IPIs), changed only here.
    /// <summary>flush_tlb_mm_range() calls.</summary>
    public long FlushRequests { get; private set; }

    /// <summary>NR_TLB_REMOTE_FLUSH: flushes that went to flush_tlb_multi() (another CPU in the cpumask).</summary>
    public long RemoteFlushes { get; private set; }

    /// <summary>Shootdown IPIs sent to other CPUs.</summary>
    public long IpisSent { get; private set; }

    /// <summary>CPUs of a cpumask not sent an IPI because they were in lazy TLB mode.</summary>
    public long ShootdownsSkippedLazy { get; private set; }

    /// <summary>CPUs of a cpumask not sent an IPI because they run another mm now (their ASID slot catches up at switch_mm).</summary>
    public long ShootdownsSkippedNotLoaded { get; private set; }

    /// <summary>CPUs removed from a cpumask by a flush that found another mm loaded (TLB_REMOTE_WRONG_CPU).</summary>
    public long CpumaskTrims { get; private set; }

    /// <inheritdoc/>
    public void FlushRange(MmStruct mm, ulong start, ulong end, int strideShift = Page.Shift, bool freedTables = false)
        => FlushTlbMmRange(mm, start, end, strideShift, freedTables);

    /// <inheritdoc/>
    public void FlushMm(MmStruct mm, bool freedTables = false) => FlushTlbMmRange(mm, 0, TlbFlushAll, Page.Shift, freedTables);

    /// <summary>
    /// flush_tlb_mm_range(): translations of [start, end) in mm, in strides of 1 &lt;&lt; strideShift
    /// (PAGE_SHIFT, or PMD_SHIFT for huge pages), may be stale; freedTables when page tables were
    /// freed too (then lazy CPUs get the IPI as well). Runs on <see cref="ThisCpu"/>.
    /// </summary>
    public void FlushTlbMmRange(MmStruct mm, ulong start, ulong end, int strideShift, bool freedTables)
    {
        EnsureContext(mm);
        FlushRequests++;
        ulong newTlbGen = ++mm.Context.TlbGen;
        var info = new FlushTlbInfo
        {
            Mm = mm,
            Start = start,
            End = end,
            StrideShift = strideShift,
            FreedTables = freedTables,
            NewTlbGen = newTlbGen,
            InitiatingCpu = ThisCpu,
        };
        if (end == TlbFlushAll || (end - start) >> strideShift > TlbSinglePageFlushCeiling)
        {
            info.Start = 0;
            info.End = TlbFlushAll;
        }
        if ((mm.Context.CpuMask & ~(1UL << ThisCpu)) != 0)
        {
            info.TrimCpumask = ShouldTrimCpumask(mm);
            FlushTlbMulti(mm.Context.CpuMask, in info);
        }
        else if (mm == _cpus[ThisCpu].LoadedMm)
        {
            FlushTlbFunc(_cpus[ThisCpu], in info);
        }
    }

    /// <summary>should_trim_cpumask(): once a second (HZ jiffies) a flush also visits CPUs that left the mm.</summary>
    private bool ShouldTrimCpumask(MmStruct mm)
    {
        if (Jiffies > mm.Context.NextTrimCpumask)
        {
            mm.Context.NextTrimCpumask = Jiffies + Hz;
            return true;
        }
        return false;
    }

    /// <summary>
    /// native_flush_tlb_multi(): runs flush_tlb_func() on the CPUs of the mask that need it —
    /// all of them when page tables were freed, else those should_flush_tlb() picks — sending an
    /// IPI to each one but the initiator.
    /// </summary>
    private void FlushTlbMulti(ulong cpumask, in FlushTlbInfo info)
    {
        RemoteFlushes++;
        for (ulong mask = cpumask; mask != 0; mask &= mask - 1)
        {
            Cpu cpu = _cpus[System.Numerics.BitOperations.TrailingZeroCount(mask)];
            if (!info.FreedTables && !ShouldFlushTlb(cpu, in info))
            {
                if (cpu.IsLazy)
                {
                    ShootdownsSkippedLazy++;
                }
                else
                {
                    ShootdownsSkippedNotLoaded++;
                }
                continue;
            }
            if (cpu.Id != info.InitiatingCpu)
            {
                IpisSent++;
                cpu.Stats.IpisReceived++;
            }
            FlushTlbFunc(cpu, in info);
        }
    }

    /// <summary>
    /// should_flush_tlb(): no IPI to a lazy CPU (it flushes at its next switch_mm); one to a CPU
    /// with the mm loaded; one to the others only when the flush trims the cpumask.
    /// </summary>
    private static bool ShouldFlushTlb(Cpu cpu, in FlushTlbInfo info)
    {
        if (cpu.IsLazy)
        {
            return false;
        }
        return cpu.LoadedMm == info.Mm || info.TrimCpumask;
    }

    /// <summary>
    /// flush_tlb_func() on one CPU: leaves the cpumask if another mm is loaded there; a lazy CPU
    /// switches to init_mm; otherwise the ASID catches up to the mm's tlb_gen, by INVLPGs when
    /// this flush is exactly the one generation it lacks and a range, else by a full flush of
    /// the loaded PCID.
    /// </summary>
    private void FlushTlbFunc(Cpu cpu, in FlushTlbInfo info)
    {
        MmStruct loaded = cpu.LoadedMm;
        if (info.Mm != loaded)
        {
            info.Mm.Context.CpuMask &= ~(1UL << cpu.Id);
            CpumaskTrims++;
            return;
        }
        if (loaded == InitMm)
        {
            return;
        }
        if (cpu.IsLazy)
        {
            SwitchMmIrqsOff(cpu, InitMm);
            return;
        }
        ref TlbContext ctx = ref cpu.Ctxs[cpu.LoadedMmAsid];
        ulong localTlbGen = ctx.TlbGen;
        if (info.NewTlbGen <= localTlbGen)
        {
            return;
        }
        ulong mmTlbGen = loaded.Context.TlbGen;
        if (localTlbGen == mmTlbGen)
        {
            return;
        }
        if (info.End != TlbFlushAll && info.NewTlbGen == localTlbGen + 1 && info.NewTlbGen == mmTlbGen)
        {
            for (ulong addr = info.Start; addr < info.End; addr += 1UL << info.StrideShift)
            {
                cpu.Tlb.Invlpg(addr);
            }
            cpu.Stats.RangeFlushes++;
        }
        else
        {
            FlushTlbLocal(cpu);
        }
        ctx.TlbGen = mmTlbGen;
    }

    /// <summary>flush_tlb_local(): rewrites CR3 with the loaded PCID, dropping its non-global entries.</summary>
    private static void FlushTlbLocal(Cpu cpu)
    {
        cpu.Stats.FullFlushes++;
        cpu.Tlb.WriteCr3(cpu.Tlb.Cr3Pcid, noFlush: false);
    }

    /// <summary>
    /// __flush_tlb_all() on every CPU (flush_tlb_all()): drops global entries too, as a kernel
    /// mapping change needs. Sends an IPI to every CPU but <see cref="ThisCpu"/>.
    /// </summary>
    public void FlushTlbAll()
    {
        RemoteFlushes++;
        foreach (Cpu cpu in _cpus)
        {
            if (cpu.Id != ThisCpu)
            {
                IpisSent++;
                cpu.Stats.IpisReceived++;
            }
            cpu.Tlb.FlushAll();
        }
    }

    /// <summary>struct flush_tlb_info: one flush request as every CPU sees it.</summary>
    private struct FlushTlbInfo
    {
        public MmStruct Mm;
        public ulong Start;
        public ulong End;
        public int StrideShift;
        public bool FreedTables;
        public bool TrimCpumask;
        public ulong NewTlbGen;
        public int InitiatingCpu;
    }
}
