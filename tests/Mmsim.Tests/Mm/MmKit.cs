using System.Text;
using Mmsim.Fs;
using Mmsim.Mm;

namespace Mmsim.Tests.Mm;

/// <summary>
/// The vocabulary of the address-space tests, after the kernel's tools/testing/vma tests: the
/// drawings number pages in columns from <see cref="Base"/> (column 0 = 0x10000000, column 1 =
/// 0x10001000, ...), the operations take columns and page counts and check the mm's invariants
/// (<see cref="MmStruct.Validate"/>) after every call, and <see cref="Maps"/> renders the VMAs
/// as one string so an assertion states every range, protection, pgoff and anon_vma at once.
/// </summary>
internal static class MmKit
{
    public const ulong P = Page.Size;

    /// <summary>Column 0 of the drawings.</summary>
    public const ulong Base = 0x10000000;

    /// <summary>mmap_base of an x86-64 process run under setarch -R with an 8 MiB stack limit.</summary>
    public const ulong TopOfMmap = 0x7ffff7fff000;

    /// <summary>mmap_legacy_base without randomization: PAGE_ALIGN(TASK_SIZE / 3).</summary>
    public const ulong LegacyBase = 0x2aaaaaaab000;

    public const int None = Prot.None;
    public const int R = Prot.Read;
    public const int Rw = Prot.Read | Prot.Write;
    public const int Rx = Prot.Read | Prot.Exec;
    public const int Rwx = Prot.Read | Prot.Write | Prot.Exec;

    public const int Anon = MapFlags.Private | MapFlags.Anonymous;
    public const int AnonFixed = Anon | MapFlags.Fixed;

    /// <summary>The address of a column.</summary>
    public static ulong Col(int column) => Base + ((ulong)column * P);

    /// <summary>Bytes in n pages.</summary>
    public static ulong Pages(int n) => (ulong)n * P;

    public static MmStruct NewMm(MmConfig? config = null)
    {
        var mm = new MmStruct(config ?? MmConfig.Default) { MmapBase = TopOfMmap, MmapLegacyBase = LegacyBase };
        mm.Validate();
        return mm;
    }

    /// <summary>A regular file opened read-write; each call is a new open (a new struct file).</summary>
    public static OpenFile OpenFile(Inode inode) => new(inode, FMode.Read | FMode.Write);

    public static Inode NewInode(string path = "/tmp/f", ulong pages = 64)
    {
        return new Inode(254, 0, 4242, path, Pages((int)pages), InodeKind.Regular);
    }

    /// <summary>Validates the mm and passes the result through.</summary>
    public static long Checked(this MmStruct mm, long result)
    {
        mm.Validate();
        return result;
    }

    /// <summary>mmap() of pages [column, column+pages), MAP_FIXED unless flags say otherwise.</summary>
    public static long MapAt(this MmStruct mm, int column, int pages, int prot = Rw, int flags = AnonFixed,
        OpenFile? file = null, ulong offsetPages = 0)
    {
        return mm.Checked(mm.Mmap(Col(column), Pages(pages), prot, flags, file, Page.Bytes(offsetPages)));
    }

    public static long ProtectAt(this MmStruct mm, int column, int pages, int prot)
    {
        return mm.Checked(mm.Mprotect(Col(column), Pages(pages), prot));
    }

    public static long UnmapAt(this MmStruct mm, int column, int pages)
    {
        return mm.Checked(mm.Munmap(Col(column), Pages(pages)));
    }

    public static long AdviseAt(this MmStruct mm, int column, int pages, int advice)
    {
        return mm.Checked(mm.Madvise(Col(column), Pages(pages), advice));
    }

    /// <summary>A user access inside the page of a column (not at its first byte, as a real access need not be).</summary>
    public static FaultResult TouchAt(this MmStruct mm, int column, bool write = true)
    {
        return mm.FaultChecked(Col(column) + 0x10, write);
    }

    /// <summary>A user access at an address.</summary>
    public static FaultResult FaultChecked(this MmStruct mm, ulong addr, bool write = true)
    {
        FaultResult r = mm.Fault(addr, write);
        mm.Validate();
        return r;
    }

    /// <summary>The VMA containing the column's page.</summary>
    public static Vma At(this MmStruct mm, int column)
    {
        return mm.Vmas.Lookup(Col(column)) ?? throw new InvalidOperationException($"no VMA at column {column}");
    }

    /// <summary>
    /// The VMAs as "[start-end rwxp pg=0x.. flags path av=x] ...": protection as /proc/pid/maps
    /// shows it, pgoff in pages, then the smaps mnemonics of the flags that decide merges here
    /// (ac account, gd grows-down, lo locked, dc dontcopy, dd dontdump, hg/nh huge pages,
    /// wf wipe-on-fork), the file's path, and with <paramref name="anon"/> the anon_vma, lettered
    /// a, b, ... in order of first appearance ("-" for none).
    /// </summary>
    public static string Maps(this MmStruct mm, bool anon = false)
    {
        var sb = new StringBuilder();
        var letters = new Dictionary<AnonVma, char>();
        foreach (Vma v in mm.Vmas)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }
            VmFlags f = v.Flags;
            sb.Append($"[0x{v.Start:x}-0x{v.End:x} ");
            sb.Append((f & VmFlags.Read) != 0 ? 'r' : '-');
            sb.Append((f & VmFlags.Write) != 0 ? 'w' : '-');
            sb.Append((f & VmFlags.Exec) != 0 ? 'x' : '-');
            sb.Append((f & VmFlags.MayShare) != 0 ? 's' : 'p');
            sb.Append($" pg=0x{v.PgOff:x}");
            AppendFlag(sb, f, VmFlags.Account, "ac");
            AppendFlag(sb, f, VmFlags.GrowsDown, "gd");
            AppendFlag(sb, f, VmFlags.Locked, "lo");
            AppendFlag(sb, f, VmFlags.DontCopy, "dc");
            AppendFlag(sb, f, VmFlags.DontDump, "dd");
            AppendFlag(sb, f, VmFlags.HugePage, "hg");
            AppendFlag(sb, f, VmFlags.NoHugePage, "nh");
            AppendFlag(sb, f, VmFlags.WipeOnFork, "wf");
            if (v.File is not null)
            {
                sb.Append(' ').Append(v.File.Inode.Path);
            }
            if (anon)
            {
                sb.Append(" av=");
                if (v.AnonVma is null)
                {
                    sb.Append('-');
                }
                else
                {
                    if (!letters.TryGetValue(v.AnonVma, out char c))
                    {
                        c = (char)('a' + letters.Count);
                        letters.Add(v.AnonVma, c);
                    }
                    sb.Append(c);
                }
            }
            sb.Append(']');
        }
        return sb.ToString();
    }

    private static void AppendFlag(StringBuilder sb, VmFlags flags, VmFlags flag, string mnemonic)
    {
        if ((flags & flag) != 0)
        {
            sb.Append(' ').Append(mnemonic);
        }
    }
}
