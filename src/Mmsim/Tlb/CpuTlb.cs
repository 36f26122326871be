namespace Mmsim.Tlb;

/// <summary>
/// The TLBs of one core: L1 dTLB, L1 iTLB and the shared STLB, and the three ways x86
/// software invalidates them: a CR3 write (<see cref="WriteCr3"/>), INVLPG
/// (<see cref="Invlpg"/>) and a global flush (<see cref="FlushAll"/>). The paging-structure
/// caches are not modelled (a walk reads every level).
/// </summary>
public sealed class CpuTlb
{
    /// <summary>Creates the empty TLBs of one core.</summary>
    public CpuTlb(TlbConfig config, bool pcidEnabled)
    {
        Config = config;
        PcidEnabled = pcidEnabled;
        L1d = new TlbLevel(config.L1d);
        L1i = new TlbLevel(config.L1i);
        Stlb = config.Stlb is null ? null : new TlbLevel(config.Stlb);
    }

    public TlbConfig Config { get; }

    /// <summary>CR4.PCIDE: entries are tagged with CR3's PCID.</summary>
    public bool PcidEnabled { get; }

    public TlbLevel L1d { get; }

    public TlbLevel L1i { get; }

    public TlbLevel? Stlb { get; }

    /// <summary>The PCID field of CR3 now (0 without PCID).</summary>
    public ulong Cr3Pcid { get; private set; }

    public TlbStats Stats { get; } = new();

    /// <summary>
    /// A CR3 write loading pcid. Without PCID it drops every non-global entry. With PCID it drops
    /// the non-global entries tagged pcid unless noFlush (CR3 bit 63) is set; a level that does
    /// not tag its entries drops all its non-global ones whenever the PCID changes or a flush is
    /// asked. Returns the entries dropped.
    /// </summary>
    public int WriteCr3(ulong pcid, bool noFlush)
    {
        Stats.Cr3Writes++;
        if (!PcidEnabled)
        {
            pcid = 0;
            noFlush = false;
        }
        if (noFlush)
        {
            Stats.Cr3NoFlushWrites++;
        }
        bool changed = pcid != Cr3Pcid;
        Cr3Pcid = pcid;
        int n = Cr3Level(L1d, pcid, noFlush, changed) + Cr3Level(L1i, pcid, noFlush, changed);
        if (Stlb is not null)
        {
            n += Cr3Level(Stlb, pcid, noFlush, changed);
        }
        Stats.EntriesFlushed += n;
        return n;
    }

    /// <summary>
    /// INVLPG va: drops the entries of every size that translate va under the current PCID and
    /// the global ones for va, in every level. Returns the entries dropped.
    /// </summary>
    public int Invlpg(ulong va)
    {
        Stats.SinglePageFlushes++;
        int n = DropAddress(va);
        Stats.EntriesFlushed += n;
        return n;
    }

    /// <summary>Drops every entry of every level, global ones included (CR4.PGE toggle / INVPCID all-context). Returns the entries dropped.</summary>
    public int FlushAll()
    {
        Stats.GlobalFlushes++;
        int n = L1d.FlushAll() + L1i.FlushAll() + (Stlb?.FlushAll() ?? 0);
        Stats.EntriesFlushed += n;
        return n;
    }

    /// <summary>
    /// Drops the entries for va under the current PCID without counting a flush: what a page
    /// fault does to the faulting address's entries (SDM 4.10.4.1).
    /// </summary>
    internal int DropAddress(ulong va) => L1d.Invalidate(va) + L1i.Invalidate(va) + (Stlb?.Invalidate(va) ?? 0);

    /// <summary>Checks every array's bookkeeping (<see cref="TlbArray.Validate"/>).</summary>
    public void Validate()
    {
        ValidateLevel(L1d);
        ValidateLevel(L1i);
        if (Stlb is not null)
        {
            ValidateLevel(Stlb);
        }
    }

    private static void ValidateLevel(TlbLevel level)
    {
        foreach (TlbArray a in level.Arrays)
        {
            a.Validate();
        }
    }

    private int Cr3Level(TlbLevel level, ulong pcid, bool noFlush, bool changed)
    {
        bool tags = PcidEnabled && level.Config.PcidTagging;
        level.Pcid = tags ? pcid : 0;
        if (!PcidEnabled)
        {
            return level.FlushNonGlobal(0, anyPcid: true);
        }
        if (!tags)
        {
            return changed || !noFlush ? level.FlushNonGlobal(0, anyPcid: true) : 0;
        }
        return noFlush ? 0 : level.FlushNonGlobal(pcid, anyPcid: false);
    }
}
