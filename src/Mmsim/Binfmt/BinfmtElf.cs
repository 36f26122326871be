using Mmsim.Fs;
using Mmsim.Mm;

namespace Mmsim.Binfmt;

/// <summary>What execve() hands to the ELF loader: the program, its interpreter, and the argument strings.</summary>
public sealed class ExecRequest
{
    public required ElfImage Exe { get; init; }

    public required OpenFile ExeFile { get; init; }

    public ElfImage? Interp { get; init; }

    public OpenFile? InterpFile { get; init; }

    /// <summary>bprm->filename: the path as passed to execve.</summary>
    public required string Filename { get; init; }

    /// <summary>argv and envp, as bytes without the terminating NUL.</summary>
    public required IReadOnlyList<byte[]> Argv { get; init; }

    public required IReadOnlyList<byte[]> Envp { get; init; }
}

/// <summary>
/// load_elf_binary() (fs/binfmt_elf.c) with the layout choices of x86-64: the mmap layout, the
/// stack with its argument pages, the PT_LOAD segments with their bss, the interpreter, the
/// vDSO, and the brk start.
/// </summary>
public static partial class BinfmtElf
{
    /// <summary>Sizes of the vDSO area of this kernel: [vvar] 4 pages, [vvar_vclock] 2, [vdso] 2.</summary>
    public const ulong VvarSize = 4 * Page.Size;
    public const ulong VvarVclockSize = 2 * Page.Size;
    public const ulong VdsoSize = 2 * Page.Size;

    /// <summary>STACK_GUARD / stack_expand: 128 KiB of stack beyond the argument pages.</summary>
    private const ulong StackExpand = 131072;

    /// <summary>
    /// Builds a new mm for the request. Returns the mm, or null with -errno in err (the kernel
    /// would kill the task after the point of no return; the model simply fails the exec).
    /// </summary>
    public static MmStruct? Load(MmConfig config, ExecRequest req, out int err)
    {
        var mm = new MmStruct(config);
        PickMmapLayout(mm);
        SetupArgPages(mm, req);
        err = LoadSegments(mm, req.Exe, req.ExeFile, req.Interp is not null, out ulong elfBrk);
        if (err != 0)
        {
            return null;
        }
        if (req.Interp is not null)
        {
            err = LoadInterp(mm, req.Interp, req.InterpFile!);
            if (err != 0)
            {
                return null;
            }
        }
        err = MapVdso(mm);
        if (err != 0)
        {
            return null;
        }
        if (req.Exe.Type == ElfImage.EtDyn && req.Interp is null)
        {
            elfBrk = ElfEtDynBase(mm);
            mm.BrkMoved = true;
        }
        mm.StartBrk = mm.Brk = Page.Align(elfBrk);
        return mm;
    }

    /// <summary>ELF_ET_DYN_BASE: two thirds of the default map window; 4 MiB for a 32-bit (ia32) address space.</summary>
    public static ulong ElfEtDynBase(MmStruct mm)
    {
        bool ia32 = mm.Config.PagingMode is Pgtable.PagingMode.TwoLevel or Pgtable.PagingMode.Pae;
        return ia32 ? 0x400000UL : mm.Config.DefaultMapWindow / 3 * 2;
    }

    /// <summary>
    /// arch_pick_mmap_layout(): top-down below the stack gap (RLIMIT_STACK plus the guard gap,
    /// clamped to [128 MiB, 5/6 of the address space]) unless the stack is unlimited.
    /// </summary>
    public static void PickMmapLayout(MmStruct mm)
    {
        // task_size_64bit(0) / task_size_32bit(): the default window, not a 5-level TASK_SIZE.
        ulong taskSize = mm.Config.DefaultMapWindow;
        mm.MmapLegacyBase = Page.Align(taskSize / 3);
        ulong rlim = mm.Config.RlimitStack;
        if (rlim == ulong.MaxValue)
        {
            mm.TopDown = false;
            mm.MmapBase = mm.MmapLegacyBase;
            return;
        }
        ulong gap = rlim;
        ulong pad = mm.Config.StackGuardGap;
        if (gap + pad > gap)
        {
            gap += pad;
        }
        const ulong min = 128UL << 20;
        ulong max = taskSize / 6 * 5;
        gap = gap < min ? min : (gap > max ? max : gap);
        mm.MmapBase = Page.Align(taskSize - gap);
        mm.TopDown = true;
    }

    /// <summary>
    /// __bprm_mm_init() + copy_strings() + setup_arg_pages(): the stack VMA covers the pages the
    /// filename, environment and arguments were copied to, plus 128 KiB (within RLIMIT_STACK).
    /// </summary>
    internal static void SetupArgPages(MmStruct mm, ExecRequest req)
    {
        ulong top = mm.Config.DefaultMapWindow;
        ulong p = top - 8;
        p -= (ulong)System.Text.Encoding.UTF8.GetByteCount(req.Filename) + 1;
        ulong envBytes = 0;
        foreach (byte[] e in req.Envp)
        {
            envBytes += (ulong)e.Length + 1;
        }
        ulong argBytes = 0;
        foreach (byte[] a in req.Argv)
        {
            argBytes += (ulong)a.Length + 1;
        }
        p -= envBytes + argBytes;
        ulong vmStart = Page.AlignDown(p);
        ulong stackSize = top - vmStart;
        ulong rlim = mm.Config.RlimitStack & Page.Mask;
        ulong expand = Math.Min(rlim, stackSize + StackExpand);
        ulong start = Math.Min(top - expand, vmStart);
        VmFlags flags = VmFlags.StackFlags | VmFlags.SoftDirty;
        if (ExecutableStack(req.Exe))
        {
            flags |= VmFlags.Exec;
        }
        var stack = new Vma(start, top, flags, start >> Page.Shift, null);
        mm.Vmas.Insert(stack);
        mm.StatAccount(flags, (long)stack.Pages);
        mm.CommittedPages += stack.Pages;
        mm.ArgStart = p;
        mm.ArgEnd = p + argBytes;
        mm.EnvStart = mm.ArgEnd;
        mm.EnvEnd = mm.EnvStart + envBytes;
        mm.StartStack = p;
    }

    /// <summary>PT_GNU_STACK with PF_X asks for an executable stack.</summary>
    private static bool ExecutableStack(ElfImage exe)
    {
        foreach (ElfPhdr ph in exe.Phdrs)
        {
            if (ph.Type == ElfPhdr.PtGnuStack)
            {
                return (ph.Flags & ElfPhdr.PfX) != 0;
            }
        }
        return false;
    }

    /// <summary>make_prot(): PF_R/W/X to PROT_READ/WRITE/EXEC.</summary>
    private static int MakeProt(uint pflags)
    {
        int prot = 0;
        if ((pflags & ElfPhdr.PfR) != 0)
        {
            prot |= Prot.Read;
        }
        if ((pflags & ElfPhdr.PfW) != 0)
        {
            prot |= Prot.Write;
        }
        if ((pflags & ElfPhdr.PfX) != 0)
        {
            prot |= Prot.Exec;
        }
        return prot;
    }

    /// <summary>total_mapping_size(): from the first PT_LOAD's page to the end of the last one.</summary>
    private static ulong TotalMappingSize(ElfImage elf)
    {
        ulong first = ulong.MaxValue;
        ulong last = 0;
        bool any = false;
        foreach (ElfPhdr ph in elf.Phdrs)
        {
            if (ph.Type != ElfPhdr.PtLoad)
            {
                continue;
            }
            if (!any)
            {
                first = ph.Vaddr;
                any = true;
            }
            last = ph.Vaddr + ph.Memsz;
        }
        return any ? last - Page.AlignDown(first) : 0;
    }

    /// <summary>maximum_alignment(): the largest power-of-two p_align of the PT_LOADs, at least a page.</summary>
    private static ulong MaximumAlignment(ElfImage elf)
    {
        ulong alignment = 0;
        foreach (ElfPhdr ph in elf.Phdrs)
        {
            if (ph.Type == ElfPhdr.PtLoad && ph.Align != 0 && (ph.Align & (ph.Align - 1)) == 0 && ph.Align > alignment)
            {
                alignment = ph.Align;
            }
        }
        return Page.Align(alignment);
    }
}
