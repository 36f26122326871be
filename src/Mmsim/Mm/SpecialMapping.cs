namespace Mmsim.Mm;

/// <summary>_install_special_mapping() (mm/mmap.c): named areas such as the vDSO.</summary>
public sealed partial class MmStruct
{
    /// <summary>Inserts a special mapping at a free range and accounts it.</summary>
    public Vma InstallSpecialMapping(ulong addr, ulong len, VmFlags flags, string name)
    {
        var vma = new Vma(addr, addr + len, flags, 0, null) { SpecialName = name };
        Vmas.Insert(vma);
        StatAccount(flags, (long)vma.Pages);
        return vma;
    }
}
