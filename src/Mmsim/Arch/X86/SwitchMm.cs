using Mmsim.Mm;

namespace Mmsim.Arch.X86;

/// <summary>
/// The context-switch half of arch/x86/mm/tlb.c: switch_mm_irqs_off(), choose_new_asid(),
/// enter_lazy_tlb() and leave_mm(). Without PCID every switch to another mm flushes the
/// non-global TLB entries. With PCID each CPU caches the last <see cref="TlbNrDynAsids"/> mms in
/// ASID slots; switching back to an mm still in its slot keeps its entries, unless the mm's
/// tlb_gen moved past what the slot caught up to while it was away.
/// </summary>
public sealed partial class Machine
{
    /// <summary>
    /// switch_mm(): loads next on cpu (the scheduler's call for a user task). Public for tests and
    /// for callers without the scheduler.
    /// </summary>
    public void SwitchMm(int cpu, MmStruct next) => SwitchMmIrqsOff(_cpus[cpu], next);

    /// <summary>
    /// switch_mm_irqs_off(): makes next the loaded mm. Leaves lazy mode. When next is already
    /// loaded it only flushes if the CPU was lazy and next's tlb_gen moved on meanwhile.
    /// Otherwise it puts the CPU in next's cpumask (the previous mm keeps the bit: Linux 6.x
    /// trims masks lazily), picks an ASID and writes CR3, flushing that ASID when its cached
    /// generation is behind. Models Linux 6.18 without global ASIDs (no INVLPGB/RAR broadcast).
    /// </summary>
    internal void SwitchMmIrqsOff(Cpu cpu, MmStruct next)
    {
        EnsureContext(next);
        MmStruct prev = cpu.LoadedMm;
        bool wasLazy = cpu.IsLazy;
        cpu.IsLazy = false;
        int asid;
        bool needFlush;
        ulong nextTlbGen;
        if (prev == next)
        {
            if (!wasLazy)
            {
                return;
            }
            nextTlbGen = next.Context.TlbGen;
            if (cpu.Ctxs[cpu.LoadedMmAsid].TlbGen == nextTlbGen)
            {
                return;
            }
            asid = cpu.LoadedMmAsid;
            needFlush = true;
        }
        else
        {
            if (next != InitMm)
            {
                next.Context.CpuMask |= 1UL << cpu.Id;
            }
            nextTlbGen = next.Context.TlbGen;
            (asid, needFlush) = ChooseNewAsid(cpu, next, nextTlbGen);
        }
        if (needFlush)
        {
            cpu.Ctxs[asid] = new TlbContext { CtxId = next.Context.CtxId, TlbGen = nextTlbGen };
            cpu.Stats.PcidFlushes++;
        }
        cpu.Tlb.WriteCr3(KernPcid(asid), noFlush: !needFlush);
        cpu.LoadedMm = next;
        cpu.LoadedMmAsid = asid;
    }

    /// <summary>
    /// choose_new_asid(): without PCID, ASID 0 and a flush. With PCID, the slot that already
    /// holds next's ctx_id (flush only if its tlb_gen is behind), else the next slot round robin,
    /// flushed (its previous owner loses its cached entries).
    /// </summary>
    private (int Asid, bool NeedFlush) ChooseNewAsid(Cpu cpu, MmStruct next, ulong nextTlbGen)
    {
        if (!Pcid)
        {
            return (0, true);
        }
        for (int asid = 0; asid < TlbNrDynAsids; asid++)
        {
            if (cpu.Ctxs[asid].CtxId == next.Context.CtxId)
            {
                return (asid, cpu.Ctxs[asid].TlbGen < nextTlbGen);
            }
        }
        int fresh = cpu.NextAsid++;
        if (fresh >= TlbNrDynAsids)
        {
            fresh = 0;
            cpu.NextAsid = 1;
        }
        return (fresh, true);
    }

    /// <summary>
    /// enter_lazy_tlb(): a kernel thread starts running on the mm already loaded; the CPU keeps
    /// CR3 and goes lazy, so flush IPIs for that mm skip it (unless page tables are freed).
    /// </summary>
    public void EnterLazyTlb(int cpu)
    {
        Cpu c = _cpus[cpu];
        if (c.LoadedMm == InitMm)
        {
            return;
        }
        c.IsLazy = true;
    }

    /// <summary>leave_mm(): a lazy CPU drops its borrowed mm and loads init_mm.</summary>
    public void LeaveMm(int cpu)
    {
        Cpu c = _cpus[cpu];
        if (c.LoadedMm == InitMm)
        {
            return;
        }
        SwitchMmIrqsOff(c, InitMm);
    }
}
