// weaken-verneed FILE LIBRARY VERSION
//
// Sets VER_FLG_WEAK on the version requirement VERSION of LIBRARY in the ELF64 shared object FILE (in place), so that
// the dynamic loader accepts a LIBRARY without that version instead of refusing to load FILE ("version `VERSION' not
// found"). Symbols bound to the version still resolve from any loaded object that defines them at that version.
// Exit codes: 0 weakened (or already weak), 1 usage or I/O error, 2 not an ELF64 little-endian file, 3 not found.
#include <elf.h>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

int main(int argc, char** argv)
{
    if (argc != 4)
    {
        std::fprintf(stderr, "usage: weaken-verneed FILE LIBRARY VERSION\n");
        return 1;
    }

    std::vector<char> image;
    {
        std::ifstream in(argv[1], std::ios::binary);
        if (!in)
        {
            std::fprintf(stderr, "weaken-verneed: cannot read %s\n", argv[1]);
            return 1;
        }

        image.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    auto inside = [&](std::size_t offset, std::size_t size) { return offset <= image.size() && size <= image.size() - offset; };
    if (!inside(0, sizeof(Elf64_Ehdr)) || std::memcmp(image.data(), ELFMAG, SELFMAG) != 0
        || image[EI_CLASS] != ELFCLASS64 || image[EI_DATA] != ELFDATA2LSB)
    {
        std::fprintf(stderr, "weaken-verneed: %s is not a little-endian ELF64 file\n", argv[1]);
        return 2;
    }

    Elf64_Ehdr header;
    std::memcpy(&header, image.data(), sizeof header);
    if (header.e_shentsize != sizeof(Elf64_Shdr) || !inside(header.e_shoff, std::size_t(header.e_shnum) * sizeof(Elf64_Shdr)))
    {
        std::fprintf(stderr, "weaken-verneed: %s has no readable section headers\n", argv[1]);
        return 2;
    }

    std::vector<Elf64_Shdr> sections(header.e_shnum);
    std::memcpy(sections.data(), image.data() + header.e_shoff, sections.size() * sizeof(Elf64_Shdr));
    for (const auto& section : sections)
    {
        if (section.sh_type != SHT_GNU_verneed || section.sh_link >= sections.size())
        {
            continue;
        }

        const auto& strings = sections[section.sh_link];
        auto text = [&](std::size_t offset) -> const char* {
            if (offset >= strings.sh_size || !inside(strings.sh_offset, strings.sh_size))
            {
                return "";
            }

            const char* start = image.data() + strings.sh_offset + offset;
            return std::memchr(start, 0, strings.sh_size - offset) != nullptr ? start : "";
        };

        std::size_t need = section.sh_offset;
        for (std::size_t n = 0; n < section.sh_info && inside(need, sizeof(Elf64_Verneed)); n++)
        {
            Elf64_Verneed verneed;
            std::memcpy(&verneed, image.data() + need, sizeof verneed);
            std::size_t aux = need + verneed.vn_aux;
            for (std::size_t a = 0; a < verneed.vn_cnt && inside(aux, sizeof(Elf64_Vernaux)); a++)
            {
                Elf64_Vernaux vernaux;
                std::memcpy(&vernaux, image.data() + aux, sizeof vernaux);
                if (std::strcmp(text(verneed.vn_file), argv[2]) == 0 && std::strcmp(text(vernaux.vna_name), argv[3]) == 0)
                {
                    if ((vernaux.vna_flags & VER_FLG_WEAK) == 0)
                    {
                        vernaux.vna_flags |= VER_FLG_WEAK;
                        std::memcpy(image.data() + aux, &vernaux, sizeof vernaux);
                        std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
                        out.write(image.data(), static_cast<std::streamsize>(image.size()));
                        if (!out)
                        {
                            std::fprintf(stderr, "weaken-verneed: cannot write %s\n", argv[1]);
                            return 1;
                        }
                    }

                    return 0;
                }

                if (vernaux.vna_next == 0)
                {
                    break;
                }

                aux += vernaux.vna_next;
            }

            if (verneed.vn_next == 0)
            {
                break;
            }

            need += verneed.vn_next;
        }
    }

    std::fprintf(stderr, "weaken-verneed: %s does not require %s from %s\n", argv[1], argv[3], argv[2]);
    return 3;
}
