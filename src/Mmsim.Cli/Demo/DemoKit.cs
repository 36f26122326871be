using System.Buffers.Binary;
using System.Text;
using Mmsim.Arch.X86;
using Mmsim.Binfmt;
using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Phys;
using Mmsim.Proc;
using Mmsim.Process;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// What the steps share: the demo machine (the reference's 2 CPUs with PCID and Skylake TLBs,
/// 128 MiB of RAM so a step builds in milliseconds), the "gonzo" program of the second seed as an
/// ELF the model's loader reads, and the printing of maps with what each area is.
/// </summary>
internal static class DemoKit
{
    /// <summary>The demo machine's RAM: zones DMA (16 MiB) and DMA32 (the rest).</summary>
    public const ulong RamBytes = 128UL << 20;

    /// <summary>gonzo's text: one R-X segment at 0x400000 (a non-PIE x86-64 program).</summary>
    public const ulong GonzoText = 0x400000;

    /// <summary>gonzo's data segment (initialised globals), followed by its bss in memory.</summary>
    public const ulong GonzoData = 0x602e10;

    /// <summary>gonzo's data bytes in the file.</summary>
    public const ulong GonzoDataFilesz = 0x228;

    /// <summary>data plus bss in memory: the bss ends at 0x605048, so start_brk is 0x606000.</summary>
    public const ulong GonzoDataMemsz = 0x2238;

    /// <summary>A paging kernel in the given mode.</summary>
    public static Kernel NewKernel(PagingMode mode = PagingMode.FourLevel)
    {
        return new Kernel(MmConfig.ForMode(mode), PhysMemConfig.OfSize(RamBytes), null, MachineConfig.Default);
    }

    /// <summary>
    /// A process that has exec'd /bin/gonzo (static, non-PIE, ASLR off as under setarch -R): text,
    /// data, bss, the stack and the vDSO, and nothing in the heap yet.
    /// </summary>
    public static Task ExecGonzo(Kernel k, int pid)
    {
        Task t = k.CreateInitTask(pid);
        k.Run(t);
        byte[] elf = Elf64(ElfImage.EtExec, GonzoText + 0x1000,
        [
            (ElfPhdr.PfR | ElfPhdr.PfX, 0, GonzoText, 0x2a00, 0x2a00),
            (ElfPhdr.PfR | ElfPhdr.PfW, 0x2e10, GonzoData, GonzoDataFilesz, GonzoDataMemsz),
        ]);
        ElfImage image = ElfImage.Parse(elf, out string? why) ?? throw new InvalidOperationException(why);
        var inode = new Inode(254, 0, 4242, "/bin/gonzo", (ulong)elf.Length, InodeKind.Regular);
        int err = k.Execve(t, new ExecRequest
        {
            Exe = image,
            ExeFile = new OpenFile(inode, FMode.Read),
            Filename = "/bin/gonzo",
            Argv = [Encoding.ASCII.GetBytes("gonzo")],
            Envp = [Encoding.ASCII.GetBytes("HOME=/home/gonzo")],
        });
        Check(err, "execve(/bin/gonzo)");
        // The C start-up code writes its globals: the data page and the bss get their anon_vma.
        k.Access(t, GonzoData, Tlb.AccessKind.Write);
        k.Access(t, Page.Align(GonzoData + GonzoDataFilesz), Tlb.AccessKind.Write);
        return t;
    }

    /// <summary>
    /// brk() growing the heap by bytes, and malloc writing its first chunk header there (so the heap
    /// has its own anon_vma and stays apart from the bss, as in a real process). Returns the new brk.
    /// </summary>
    public static ulong GrowHeap(Kernel k, Task t, ulong bytes)
    {
        MmStruct mm = t.Mm!;
        ulong want = mm.Brk + bytes;
        ulong got = (ulong)mm.SysBrk(want);
        if (got != want)
        {
            throw new InvalidOperationException($"demo: brk(0x{want:x}) returned 0x{got:x}");
        }
        k.Access(t, mm.StartBrk, Tlb.AccessKind.Write);
        return got;
    }

    /// <summary>
    /// The mmap area of a dynamically linked gonzo, as ld.so builds it: the C library mapped in
    /// four areas (one file, four protections), then a private anonymous area (a malloc arena).
    /// Returns (libc base, anonymous area).
    /// </summary>
    public static (ulong Libc, ulong Anon) MapLibcAndAnon(MmStruct mm)
    {
        var libc = new OpenFile(new Inode(254, 0, 332096, "/usr/lib/x86_64-linux-gnu/libc.so.6", 1926232, InodeKind.Regular), FMode.Read);
        ulong b = Checked(mm.Mmap(0, 0x1d7000, Prot.Read, MapFlags.Private | MapFlags.DenyWrite, libc, 0), "mmap(libc)");
        Checked(mm.Mmap(b + 0x26000, 0x156000, Prot.Read | Prot.Exec, MapFlags.Private | MapFlags.Fixed | MapFlags.DenyWrite, libc, 0x26000), "mmap(libc text)");
        Checked(mm.Mmap(b + 0x1d3000, 0x4000, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed | MapFlags.DenyWrite, libc, 0x1d3000), "mmap(libc data)");
        Checked(mm.Mprotect(b + 0x1d3000, 0x2000, Prot.Read), "mprotect(libc relro)");
        ulong anon = Checked(mm.Mmap(0, 0x21000, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous, null, 0), "mmap(anon)");
        return (b, anon);
    }

    /// <summary>What an area is, in the seeds' words: text, data, bss, heap, stack, a mapped file...</summary>
    public static string Kind(MmStruct mm, Vma v)
    {
        if (v.SpecialName is not null)
        {
            return v.SpecialName == "[vdso]" ? "vDSO (kernel code for fast syscalls)" : "vvar (kernel data the vDSO reads)";
        }
        if (v.Start <= mm.StartCode && mm.StartCode < v.End)
        {
            return "text (code segment)";
        }
        if (v.File is not null && v.Start < mm.EndData && mm.StartData < v.End)
        {
            return "data segment";
        }
        if (v.File is null && (v.Flags & VmFlags.GrowsDown) != 0)
        {
            return "stack";
        }
        if (v.File is null && v.Start < mm.Brk && v.End > mm.StartBrk)
        {
            return "heap (brk area)";
        }
        if (v.File is null && v.Start >= Page.AlignDown(mm.EndData) && v.End <= mm.StartBrk && v.Start < mm.StartBrk)
        {
            return "bss (anonymous)";
        }
        if (v.File is not null)
        {
            return v.File.Inode.IsShmem ? "shared memory segment" : "memory-mapped file";
        }
        return "anonymous memory";
    }

    /// <summary>/proc/PID/maps as the model prints it, each line followed by what the area is.</summary>
    public static void PrintMaps(MmStruct mm, TextWriter o, string indent = "  ", bool kinds = true)
    {
        var sb = new StringBuilder();
        foreach (Vma v in mm.Vmas)
        {
            sb.Clear();
            ProcMaps.AppendLine(sb, mm, v);
            string line = sb.ToString().TrimEnd('\n');
            o.WriteLine(kinds ? $"{indent}{line,-100} {Kind(mm, v)}" : indent + line);
        }
        o.WriteLine(kinds ? $"{indent}{ProcMaps.VsyscallLine,-100} [vsyscall] (not a VMA)" : indent + ProcMaps.VsyscallLine);
    }

    /// <summary>vm_flags as the kernel spells its bits: "VM_READ|VM_WRITE|...".</summary>
    public static string FlagNames(VmFlags flags)
    {
        var names = new List<string>();
        ulong seen = 0;
        foreach (VmFlags f in Enum.GetValues<VmFlags>())
        {
            ulong bit = (ulong)f;
            if (bit != 0 && (bit & (bit - 1)) == 0 && (flags & f) != 0 && (seen & bit) == 0)
            {
                seen |= bit;
                names.Add("VM_" + f.ToString().ToUpperInvariant());
            }
        }
        return string.Join('|', names);
    }

    /// <summary>One maps-style range "start-end perms" for a VMA.</summary>
    public static string Range(Vma v) => $"{v.Start:x}-{v.End:x} ({(v.End - v.Start) / 1024} KiB)";

    /// <summary>The mm_struct slab cache's objects in use.</summary>
    public static long MmStructObjects(Kernel k) => k.Paging!.Slabs.MmStruct!.ActiveObjs;

    /// <summary>A result that must be 0 (a syscall the demo expects to succeed).</summary>
    public static void Check(long result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"demo: {what} returned {result}");
        }
    }

    /// <summary>A result that must be an address (not -errno).</summary>
    public static ulong Checked(long result, string what)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"demo: {what} returned {result}");
        }
        return (ulong)result;
    }

    /// <summary>A minimal little-endian ELF64 x86-64 image: header, PT_LOAD headers, PT_GNU_STACK (RW), padded to the file's end.</summary>
    internal static byte[] Elf64(ushort type, ulong entry, (uint Flags, ulong Offset, ulong Vaddr, ulong Filesz, ulong Memsz)[] loads)
    {
        int phnum = loads.Length + 1;
        ulong size = 64 + (ulong)(56 * phnum);
        foreach ((_, ulong off, _, ulong filesz, _) in loads)
        {
            size = Math.Max(size, off + filesz);
        }
        byte[] b = new byte[size];
        b[0] = 0x7f;
        b[1] = (byte)'E';
        b[2] = (byte)'L';
        b[3] = (byte)'F';
        b[4] = 2;
        b[5] = 1;
        b[6] = 1;
        Span<byte> s = b;
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], ElfImage.EmX8664);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], entry);
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], 56);
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], (ushort)phnum);
        for (int i = 0; i < phnum; i++)
        {
            Span<byte> p = s.Slice(64 + (56 * i), 56);
            if (i == loads.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(p, ElfPhdr.PtGnuStack);
                BinaryPrimitives.WriteUInt32LittleEndian(p[4..], ElfPhdr.PfR | ElfPhdr.PfW);
                BinaryPrimitives.WriteUInt64LittleEndian(p[48..], 16);
                continue;
            }
            (uint flags, ulong off, ulong vaddr, ulong filesz, ulong memsz) = loads[i];
            BinaryPrimitives.WriteUInt32LittleEndian(p, ElfPhdr.PtLoad);
            BinaryPrimitives.WriteUInt32LittleEndian(p[4..], flags);
            BinaryPrimitives.WriteUInt64LittleEndian(p[8..], off);
            BinaryPrimitives.WriteUInt64LittleEndian(p[16..], vaddr);
            BinaryPrimitives.WriteUInt64LittleEndian(p[24..], vaddr);
            BinaryPrimitives.WriteUInt64LittleEndian(p[32..], filesz);
            BinaryPrimitives.WriteUInt64LittleEndian(p[40..], memsz);
            BinaryPrimitives.WriteUInt64LittleEndian(p[48..], 0x1000);
        }
        return b;
    }

    /// <summary>The PTE (leaf entry) mapping va in mm, 0 when none.</summary>
    public static ulong Pte(MmStruct mm, ulong va) => mm.Paging!.EntryAt(va, out _);

    /// <summary>"present, PFN 0x1234, rw" or "not present" for a leaf entry.</summary>
    public static string DescribePte(ulong e)
    {
        if (!PgtableTypes.IsPresent(e))
        {
            return PgtableTypes.IsNone(e) ? "none (Present = 0)" : "not present";
        }
        return $"Present = 1, PFN 0x{PgtableTypes.EntryPfn(e):x}{(PgtableTypes.IsWrite(e) ? ", writable" : ", read-only")}";
    }
}
