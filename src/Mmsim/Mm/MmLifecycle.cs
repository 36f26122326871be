namespace Mmsim.Mm;

/// <summary>Copying and tearing down an address space (dup_mm's field copy, exit_mmap()).</summary>
public sealed partial class MmStruct
{
    /// <summary>Copies the layout fields of a parent mm (the memcpy at the top of dup_mm()).</summary>
    internal void CopyLayoutFrom(MmStruct p)
    {
        StartCode = p.StartCode;
        EndCode = p.EndCode;
        StartData = p.StartData;
        EndData = p.EndData;
        StartBrk = p.StartBrk;
        Brk = p.Brk;
        StartStack = p.StartStack;
        ArgStart = p.ArgStart;
        ArgEnd = p.ArgEnd;
        EnvStart = p.EnvStart;
        EnvEnd = p.EnvEnd;
        MmapBase = p.MmapBase;
        MmapLegacyBase = p.MmapLegacyBase;
        TaskSize = p.TaskSize;
        TopDown = p.TopDown;
        BrkMoved = p.BrkMoved;
        DefFlags = p.DefFlags & VmFlags.NoHugePage;
    }

    /// <summary>The mm_struct object (mm_cachep) and its cache, on a machine with slab caches.</summary>
    internal (Slab.KmemCache Cache, long Addr)? SlabObject { get; set; }

    /// <summary>
    /// mmdrop(): drops a reference to the mm_struct itself; the last one frees it (__mmdrop():
    /// the object goes back to the mm_struct cache).
    /// </summary>
    public void Mmdrop()
    {
        if (MmCount <= 0)
        {
            throw new ModelBugException("mmdrop: mm_count already 0");
        }
        MmCount--;
        if (MmCount == 0 && SlabObject is { } obj)
        {
            obj.Cache.Free(obj.Addr);
            SlabObject = null;
        }
    }

    /// <summary>exit_mmap(): removes every VMA (the paging layer frees their pages through the unmap hook).</summary>
    public void ExitMmap()
    {
        Vma? v = Vmas.First;
        while (v is not null)
        {
            Vma? next = v.Next;
            RemoveMapped(v);
            v = next;
        }
        if (Paging is { } paging)
        {
            paging.ExitMmap();
            Paging = null;
        }
    }
}
