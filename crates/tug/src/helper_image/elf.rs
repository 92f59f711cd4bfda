//! What Tug reads from its own executable before making an image of it: whether it is a Linux
//! ELF at all, the machine it was built for, and its ELF interpreter (present only when it is
//! dynamically linked).

use object::elf::{FileHeader32, FileHeader64};
use object::read::elf::{FileHeader, ProgramHeader};
use object::{Architecture, Endianness, FileKind, Object};

/// An executable's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executable {
    /// The machine, named as `uname -m` and `docker info` name it (`x86_64`, `aarch64`).
    pub machine: &'static str,
    /// The ELF interpreter (`/lib64/ld-linux-x86-64.so.2`), for a dynamically linked executable.
    pub interpreter: Option<String>,
}

/// Why an executable cannot be packed into a Linux image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotLinux {
    /// Another format (Mach-O on macOS, PE on Windows).
    #[error("this tug is not a Linux executable ({0})")]
    Format(String),
    /// An ELF that cannot be read.
    #[error("this tug's executable cannot be read as ELF ({0})")]
    Unreadable(String),
}

/// Reads `bytes` as an ELF executable.
pub fn read(bytes: &[u8]) -> Result<Executable, NotLinux> {
    let kind = FileKind::parse(bytes).map_err(|e| NotLinux::Format(e.to_string()))?;
    let interpreter = match kind {
        FileKind::Elf64 => interpreter::<FileHeader64<Endianness>>(bytes)?,
        FileKind::Elf32 => interpreter::<FileHeader32<Endianness>>(bytes)?,
        other => return Err(NotLinux::Format(format!("{other:?}"))),
    };
    let file = object::File::parse(bytes).map_err(|e| NotLinux::Unreadable(e.to_string()))?;
    Ok(Executable { machine: machine(file.architecture(), file.is_little_endian()), interpreter })
}

fn interpreter<H: FileHeader<Endian = Endianness>>(bytes: &[u8]) -> Result<Option<String>, NotLinux> {
    let unreadable = |e: object::Error| NotLinux::Unreadable(e.to_string());
    let header = H::parse(bytes).map_err(unreadable)?;
    let endian = header.endian().map_err(unreadable)?;
    for ph in header.program_headers(endian, bytes).map_err(unreadable)? {
        if let Some(path) = ph.interpreter(endian, bytes).map_err(unreadable)? {
            return Ok(Some(String::from_utf8_lossy(path).into_owned()));
        }
    }
    Ok(None)
}

/// The `uname -m` name of an architecture.
fn machine(arch: Architecture, little_endian: bool) -> &'static str {
    match arch {
        Architecture::X86_64 => "x86_64",
        Architecture::Aarch64 => "aarch64",
        Architecture::Arm => "armv7l",
        Architecture::I386 => "i686",
        Architecture::Riscv64 => "riscv64",
        Architecture::PowerPc64 if little_endian => "ppc64le",
        Architecture::PowerPc64 => "ppc64",
        Architecture::S390x => "s390x",
        Architecture::LoongArch64 => "loongarch64",
        _ => "unknown",
    }
}

/// Whether a server whose `docker info` reports `server` can run an executable for `machine`
/// (Docker's and the kernel's names both accepted: `amd64`/`x86_64`, `arm64`/`aarch64`).
pub fn runs_on(machine: &str, server: &str) -> bool {
    let normal = |m: &str| match m.trim() {
        "amd64" | "x86_64" => "x86_64".to_string(),
        "arm64" | "aarch64" => "aarch64".to_string(),
        m if m.starts_with("armv7") || m == "arm" => "armv7l".to_string(),
        "i386" | "i486" | "i586" | "i686" | "386" => "i686".to_string(),
        m => m.to_string(),
    };
    machine != "unknown" && normal(machine) == normal(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal 64-bit little-endian ELF executable for `machine` (`e_machine`), with a
    /// `PT_INTERP` program header naming `interp` when given.
    pub fn fake_elf(machine: u16, interp: Option<&str>) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2; // 64-bit
        b[5] = 1; // little-endian
        b[6] = 1; // version
        b[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        b[18..20].copy_from_slice(&machine.to_le_bytes());
        b[20..24].copy_from_slice(&1u32.to_le_bytes());
        b[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
        b[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
        b[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
        if let Some(path) = interp {
            b[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
            b[56..58].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
            let mut ph = vec![0u8; 56];
            ph[..4].copy_from_slice(&3u32.to_le_bytes()); // PT_INTERP
            let data = format!("{path}\0");
            ph[8..16].copy_from_slice(&120u64.to_le_bytes()); // p_offset
            ph[32..40].copy_from_slice(&(data.len() as u64).to_le_bytes()); // p_filesz
            ph[40..48].copy_from_slice(&(data.len() as u64).to_le_bytes()); // p_memsz
            b.extend(ph);
            b.extend(data.as_bytes());
        }
        b
    }

    #[test]
    fn a_static_executable_has_no_interpreter() {
        assert_eq!(read(&fake_elf(62, None)), Ok(Executable { machine: "x86_64", interpreter: None }));
        assert_eq!(read(&fake_elf(183, None)).map(|e| e.machine), Ok("aarch64"));
    }

    #[test]
    fn a_dynamic_executable_names_its_interpreter() {
        let e = read(&fake_elf(62, Some("/lib64/ld-linux-x86-64.so.2")));
        assert_eq!(e.map(|e| e.interpreter), Ok(Some("/lib64/ld-linux-x86-64.so.2".to_string())));
    }

    #[test]
    fn this_test_binary_is_read() {
        let bytes = std::fs::read(std::env::current_exe().expect("exe")).expect("read");
        let e = read(&bytes).expect("the test binary is an ELF");
        assert!(runs_on(e.machine, std::env::consts::ARCH), "{e:?}");
    }

    #[test]
    fn other_formats_are_refused() {
        let macho = [0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1, 3, 0, 0, 0, 2, 0, 0, 0];
        assert!(matches!(read(&macho), Err(NotLinux::Format(_))), "{:?}", read(&macho));
        assert!(read(b"#!/bin/sh\n").is_err());
    }

    #[test]
    fn architectures_match_by_either_name() {
        assert!(runs_on("x86_64", "x86_64"));
        assert!(runs_on("x86_64", "amd64\n"));
        assert!(runs_on("aarch64", "arm64"));
        assert!(!runs_on("x86_64", "aarch64"));
        assert!(!runs_on("unknown", "unknown"));
    }
}
