using System.Text;
using Mmsim.Mm;

namespace Mmsim.Proc;

/// <summary>Fills the page statistics of one VMA, as smap_gather_stats() walks its page tables.</summary>
public delegate void SmapGather(Vma vma, ref MemSizeStats mss);

/// <summary>/proc/PID/smaps, as show_smap() (fs/proc/task_mmu.c) prints it for Linux 6.18 x86-64.</summary>
public static class ProcSmaps
{
    /// <summary>The gate VMA's flags: VM_EXEC only (gate_vma in arch/x86/entry/vsyscall).</summary>
    public const VmFlags GateFlags = VmFlags.Exec;

    /// <summary>show_smap_vma_flags()'s two-letter names, indexed by bit; null bits print nothing
    /// (including the protection-key bits 32-35 and soft-dirty, which this config lacks).</summary>
    private static readonly string?[] s_mnemonics = BuildMnemonics();

    /// <summary>The whole file: every VMA with its statistics from <paramref name="gather"/>, then
    /// the [vsyscall] gate VMA with zero statistics.</summary>
    public static string Format(MmStruct mm, SmapGather gather, in SmapsConfig cfg)
    {
        var sb = new StringBuilder(mm.MapCount * 900 + 900);
        foreach (Vma vma in mm.Vmas)
        {
            var mss = default(MemSizeStats);
            gather(vma, ref mss);
            AppendVma(sb, mm, vma, mss, cfg);
        }
        AppendGate(sb, cfg);
        return sb.ToString();
    }

    /// <summary>One VMA: the maps line, then the sizes, statistics, THPeligible, ProtectionKey, VmFlags.</summary>
    public static void AppendVma(StringBuilder sb, MmStruct mm, Vma vma, in MemSizeStats mss, in SmapsConfig cfg)
    {
        ProcMaps.AppendLine(sb, mm, vma);
        ulong pageSize = (vma.Flags & VmFlags.HugeTlb) != 0 ? Page.PmdSize : 1UL << Page.Shift;
        AppendFields(sb, vma.Length, pageSize, mss, ThpEligible.Pmd(vma, cfg), cfg.PkeysEnabled, Pkey(vma.Flags), vma.Flags);
    }

    /// <summary>The [vsyscall] gate VMA: its maps line, zero statistics, flags "ex".</summary>
    public static void AppendGate(StringBuilder sb, in SmapsConfig cfg)
    {
        sb.Append(ProcMaps.VsyscallLine).Append('\n');
        AppendFields(sb, 1UL << Page.Shift, 1UL << Page.Shift, default, false, cfg.PkeysEnabled, 0, GateFlags);
    }

    /// <summary>Everything after the maps line of one VMA.</summary>
    public static void AppendFields(
        StringBuilder sb, ulong size, ulong pageSize, in MemSizeStats mss, bool thpEligible, bool pkeys, int pkey, VmFlags flags)
    {
        ProcText.Kb(sb, "Size:           ", size);
        ProcText.Kb(sb, "KernelPageSize: ", pageSize);
        ProcText.Kb(sb, "MMUPageSize:    ", pageSize);
        AppendStats(sb, mss, rollup: false);
        ProcText.Dec(sb.Append("THPeligible:    "), thpEligible ? 1UL : 0UL, 8).Append('\n');
        if (pkeys)
        {
            ProcText.Dec(sb.Append("ProtectionKey:  "), (ulong)pkey, 8).Append('\n');
        }
        AppendVmFlags(sb, flags);
    }

    /// <summary>__show_smap(): the statistics block shared with smaps_rollup, which adds the
    /// Pss_Anon/Pss_File/Pss_Shmem split.</summary>
    public static void AppendStats(StringBuilder sb, in MemSizeStats mss, bool rollup)
    {
        const int s = MemSizeStats.PssShift;
        ProcText.Kb(sb, "Rss:            ", mss.Resident);
        ProcText.Kb(sb, "Pss:            ", mss.Pss >> s);
        ProcText.Kb(sb, "Pss_Dirty:      ", mss.PssDirty >> s);
        if (rollup)
        {
            ProcText.Kb(sb, "Pss_Anon:       ", mss.PssAnon >> s);
            ProcText.Kb(sb, "Pss_File:       ", mss.PssFile >> s);
            ProcText.Kb(sb, "Pss_Shmem:      ", mss.PssShmem >> s);
        }
        ProcText.Kb(sb, "Shared_Clean:   ", mss.SharedClean);
        ProcText.Kb(sb, "Shared_Dirty:   ", mss.SharedDirty);
        ProcText.Kb(sb, "Private_Clean:  ", mss.PrivateClean);
        ProcText.Kb(sb, "Private_Dirty:  ", mss.PrivateDirty);
        ProcText.Kb(sb, "Referenced:     ", mss.Referenced);
        ProcText.Kb(sb, "Anonymous:      ", mss.Anonymous);
        ProcText.Kb(sb, "KSM:            ", mss.Ksm);
        ProcText.Kb(sb, "LazyFree:       ", mss.Lazyfree);
        ProcText.Kb(sb, "AnonHugePages:  ", mss.AnonymousThp);
        ProcText.Kb(sb, "ShmemPmdMapped: ", mss.ShmemThp);
        ProcText.Kb(sb, "FilePmdMapped:  ", mss.FileThp);
        ProcText.Kb(sb, "Shared_Hugetlb: ", mss.SharedHugetlb);
        ProcText.Kb(sb, "Private_Hugetlb:", mss.PrivateHugetlb);
        ProcText.Kb(sb, "Swap:           ", mss.Swap);
        ProcText.Kb(sb, "SwapPss:        ", mss.SwapPss >> s);
        ProcText.Kb(sb, "Locked:         ", mss.PssLocked >> s);
    }

    /// <summary>show_smap_vma_flags(): "VmFlags:" then " xx" for each known set bit, lowest first,
    /// then a space and a newline (the kernel prints "xx " after "VmFlags: ").</summary>
    public static void AppendVmFlags(StringBuilder sb, VmFlags flags)
    {
        sb.Append("VmFlags: ");
        ulong bits = (ulong)flags;
        while (bits != 0)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            string? m = s_mnemonics[i];
            if (m is not null)
            {
                sb.Append(m).Append(' ');
            }
        }
        sb.Append('\n');
    }

    /// <summary>The flags a "VmFlags:" value names (the inverse of <see cref="AppendVmFlags"/>).
    /// Throws <see cref="FormatException"/> on an unknown mnemonic.</summary>
    public static VmFlags ParseVmFlags(ReadOnlySpan<char> mnemonics)
    {
        VmFlags f = VmFlags.None;
        foreach (Range r in mnemonics.Split(' '))
        {
            ReadOnlySpan<char> m = mnemonics[r];
            if (m.IsEmpty)
            {
                continue;
            }
            int bit = 0;
            while (bit < 64 && !(s_mnemonics[bit] is string name && m.SequenceEqual(name)))
            {
                bit++;
            }
            if (bit == 64)
            {
                throw new FormatException("unknown VmFlags mnemonic " + m.ToString());
            }
            f |= (VmFlags)(1UL << bit);
        }
        return f;
    }

    /// <summary>vma_pkey(): the protection key in VM_PKEY_BIT0..3 (bits 32-35).</summary>
    public static int Pkey(VmFlags flags) => (int)(((ulong)flags >> 32) & 0xf);

    private static string?[] BuildMnemonics()
    {
        var m = new string?[64];
        void Set(VmFlags f, string name) => m[System.Numerics.BitOperations.Log2((ulong)f)] = name;
        Set(VmFlags.Read, "rd");
        Set(VmFlags.Write, "wr");
        Set(VmFlags.Exec, "ex");
        Set(VmFlags.Shared, "sh");
        Set(VmFlags.MayRead, "mr");
        Set(VmFlags.MayWrite, "mw");
        Set(VmFlags.MayExec, "me");
        Set(VmFlags.MayShare, "ms");
        Set(VmFlags.GrowsDown, "gd");
        Set(VmFlags.PfnMap, "pf");
        Set(VmFlags.MaybeGuard, "gu");
        Set(VmFlags.Locked, "lo");
        Set(VmFlags.Io, "io");
        Set(VmFlags.SeqRead, "sr");
        Set(VmFlags.RandRead, "rr");
        Set(VmFlags.DontCopy, "dc");
        Set(VmFlags.DontExpand, "de");
        Set(VmFlags.LockOnFault, "lf");
        Set(VmFlags.Account, "ac");
        Set(VmFlags.NoReserve, "nr");
        Set(VmFlags.HugeTlb, "ht");
        Set(VmFlags.Sync, "sf");
        Set(VmFlags.Arch1, "ar");
        Set(VmFlags.WipeOnFork, "wf");
        Set(VmFlags.DontDump, "dd");
        Set(VmFlags.MixedMap, "mm");
        Set(VmFlags.HugePage, "hg");
        Set(VmFlags.NoHugePage, "nh");
        Set(VmFlags.Mergeable, "mg");
        Set(VmFlags.UffdMissing, "um");
        Set(VmFlags.UffdWp, "uw");
        Set(VmFlags.ShadowStack, "ss");
        Set(VmFlags.Droppable, "dp");
        Set(VmFlags.UffdMinor, "ui");
        Set(VmFlags.Sealed, "sl");
        return m;
    }
}
