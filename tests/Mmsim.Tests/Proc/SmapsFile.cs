using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Proc;

namespace Mmsim.Tests.Proc;

/// <summary>A real smaps file read back into model inputs: VMAs (with their names rebuilt as files,
/// special names, [heap] and [stack]), the statistics of each, and the recorded THPeligible.</summary>
internal sealed class SmapsFile
{
    public readonly MmStruct Mm = new(MmConfig.Default);
    public readonly List<(Vma Vma, MemSizeStats Mss, bool ThpEligible, string Header)> Vmas = [];
    public bool Pkeys;

    /// <summary>Parses the text of /proc/PID/smaps (every VMA before [vsyscall]).</summary>
    public static SmapsFile Parse(string text)
    {
        var f = new SmapsFile();
        string[] lines = text.Split('\n');
        int i = 0;
        while (i < lines.Length && lines[i].Length > 0)
        {
            string header = lines[i++];
            var fields = new Dictionary<string, ulong>();
            bool thp = false;
            VmFlags flags = VmFlags.None;
            ulong pkey = 0;
            while (true)
            {
                string l = lines[i++];
                int colon = l.IndexOf(':');
                string key = l[..colon];
                string val = l[(colon + 1)..].Trim();
                if (key == "VmFlags")
                {
                    // The protection-key bits have no mnemonic: they come from "ProtectionKey:"
                    // (1 is the execute-only key of PROT_EXEC-only mappings).
                    flags = ProcSmaps.ParseVmFlags(l.AsSpan(colon + 1)) | (VmFlags)(pkey << 32);
                    break;
                }
                if (key == "THPeligible")
                {
                    thp = val == "1";
                }
                else if (key == "ProtectionKey")
                {
                    f.Pkeys = true;
                    pkey = ulong.Parse(val);
                }
                else
                {
                    fields[key] = ulong.Parse(val.Split(' ')[0]) << 10;
                }
            }
            if (header.EndsWith("[vsyscall]", StringComparison.Ordinal))
            {
                Assert.Equal(ProcSmaps.GateFlags, flags);
                continue;
            }
            f.Vmas.Add((f.BuildVma(header, flags), Stats(fields), thp, header));
        }
        return f;
    }

    private Vma BuildVma(string header, VmFlags flags)
    {
        string[] p = header.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        string[] range = p[0].Split('-');
        ulong start = Convert.ToUInt64(range[0], 16);
        ulong end = Convert.ToUInt64(range[1], 16);
        ulong offset = Convert.ToUInt64(p[2], 16);
        string[] dev = p[3].Split(':');
        string name = p.Length > 5 ? p[5].Trim() : "";
        OpenFile? file = null;
        if (name.StartsWith('/'))
        {
            bool deleted = name.EndsWith(" (deleted)", StringComparison.Ordinal);
            string path = deleted ? name[..^" (deleted)".Length] : name;
            InodeKind kind = path == "/dev/zero" ? (deleted ? InodeKind.Shmem : InodeKind.CharDevice)
                : path.StartsWith("/memfd:", StringComparison.Ordinal) || path.StartsWith("/SYSV", StringComparison.Ordinal)
                    ? InodeKind.Shmem : InodeKind.Regular;
            var inode = new Inode(Convert.ToUInt32(dev[0], 16), Convert.ToUInt32(dev[1], 16), ulong.Parse(p[4]), path, 0, kind)
            {
                Unlinked = deleted,
            };
            file = new OpenFile(inode, FMode.Read);
        }
        var vma = new Vma(start, end, flags, file is null ? start >> Page.Shift : offset >> Page.Shift, file);
        if (name == "[heap]")
        {
            Mm.StartBrk = start;
            Mm.Brk = end;
        }
        else if (name == "[stack]")
        {
            Mm.StartStack = end - 8;
        }
        else if (name.StartsWith("[anon:", StringComparison.Ordinal))
        {
            vma.AnonName = name[6..^1];
        }
        else if (name.StartsWith('['))
        {
            vma.SpecialName = name;
        }
        return vma;
    }

    private static MemSizeStats Stats(Dictionary<string, ulong> kb)
    {
        const int s = MemSizeStats.PssShift;
        return new MemSizeStats
        {
            Resident = kb["Rss"],
            Pss = kb["Pss"] << s,
            PssDirty = kb["Pss_Dirty"] << s,
            PssAnon = kb.GetValueOrDefault("Pss_Anon") << s,
            PssFile = kb.GetValueOrDefault("Pss_File") << s,
            PssShmem = kb.GetValueOrDefault("Pss_Shmem") << s,
            SharedClean = kb["Shared_Clean"],
            SharedDirty = kb["Shared_Dirty"],
            PrivateClean = kb["Private_Clean"],
            PrivateDirty = kb["Private_Dirty"],
            Referenced = kb["Referenced"],
            Anonymous = kb["Anonymous"],
            Ksm = kb["KSM"],
            Lazyfree = kb["LazyFree"],
            AnonymousThp = kb["AnonHugePages"],
            ShmemThp = kb["ShmemPmdMapped"],
            FileThp = kb["FilePmdMapped"],
            SharedHugetlb = kb["Shared_Hugetlb"],
            PrivateHugetlb = kb["Private_Hugetlb"],
            Swap = kb["Swap"],
            SwapPss = kb["SwapPss"] << s,
            PssLocked = kb["Locked"] << s,
        };
    }

    /// <summary>The statistics block of smaps_rollup parsed into a MemSizeStats.</summary>
    public static MemSizeStats RollupStats(IEnumerable<string> lines)
    {
        var kb = new Dictionary<string, ulong>();
        foreach (string l in lines)
        {
            int colon = l.IndexOf(':');
            kb[l[..colon]] = ulong.Parse(l[(colon + 1)..].Trim().Split(' ')[0]) << 10;
        }
        return Stats(kb);
    }
}
