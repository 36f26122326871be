namespace Mmsim.Tlb;

/// <summary>
/// The per-CPU counters of the MMU and of the TLB flush paths (hits and misses are per level,
/// in <see cref="TlbLevel"/>). The flush kinds follow arch/x86/mm/tlb.c: one INVLPG per page of
/// a partial flush (flush_tlb_one_user()), a whole-mm flush of the loaded PCID
/// (flush_tlb_local()), a PCID flushed by a CR3 write at switch_mm time, and a flush of
/// everything, global entries included (__flush_tlb_all()).
/// </summary>
public sealed class TlbStats
{
    // The access path (changed only by Machine.Access):
    /// <summary>Hardware page walks started (TLB misses, dirty-bit assists and stale-permission re-walks).</summary>
    public long Walks { get; internal set; }

    /// <summary>Paging-structure entries read by all walks.</summary>
    public long WalkMemoryRefs { get; internal set; }

    /// <summary>Walks that ended in a page fault.</summary>
    public long WalkFaults { get; internal set; }

    /// <summary>Page faults delivered to the fault handler.</summary>
    public long PageFaults { get; internal set; }

    /// <summary>Writes that hit a clean (D = 0) entry and re-walked to set the dirty bit.</summary>
    public long DirtyAssists { get; internal set; }

    /// <summary>Hits whose cached permissions refused the access: the entry was dropped and the walk retried.</summary>
    public long StalePermissionRewalks { get; internal set; }

    // The flush paths (changed only by Machine's switch_mm and flush code):
    /// <summary>INVLPGs: single-page flushes (flush_tlb_one_user()).</summary>
    public long SinglePageFlushes { get; internal set; }

    /// <summary>Partial flushes (a range of INVLPGs) run by flush_tlb_func().</summary>
    public long RangeFlushes { get; internal set; }

    /// <summary>Whole-mm flushes of the loaded PCID (flush_tlb_local()).</summary>
    public long FullFlushes { get; internal set; }

    /// <summary>CR3 writes that flushed the incoming PCID (switch_mm_irqs_off() with need_flush).</summary>
    public long PcidFlushes { get; internal set; }

    /// <summary>Flushes of everything, global entries included (__flush_tlb_all()).</summary>
    public long GlobalFlushes { get; internal set; }

    /// <summary>Valid entries dropped by all flushes.</summary>
    public long EntriesFlushed { get; internal set; }

    /// <summary>CR3 writes (with or without the no-flush bit).</summary>
    public long Cr3Writes { get; internal set; }

    /// <summary>CR3 writes with the no-flush bit: the ASID's entries were still up to date.</summary>
    public long Cr3NoFlushWrites { get; internal set; }

    /// <summary>TLB-shootdown IPIs this CPU received.</summary>
    public long IpisReceived { get; internal set; }
}
