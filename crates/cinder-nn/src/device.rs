//! Choosing the compute device: the one place where a device name (`flex`, `wgpu`, `wgpu:N`,
//! `cuda:N`) becomes a Burn [`Device`]. Every command and experiment takes its device from here.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

use crate::NnError;

/// A compute device by name: `flex` (Burn's CPU backend, always built), `wgpu` / `wgpu:N` (the
/// WGPU backend: the default adapter, or discrete GPU `N`; cargo feature `wgpu`) or `cuda` /
/// `cuda:N` (CUDA GPU `N`; cargo feature `cuda`).
///
/// ```
/// use cinder_nn::DeviceChoice;
///
/// let choice: DeviceChoice = "flex".parse()?;
/// assert_eq!(choice, DeviceChoice::Flex);
/// let device = choice.device()?;
/// assert!("tpu".parse::<DeviceChoice>().is_err());
/// # Ok::<(), cinder_nn::NnError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// Burn's Flex CPU backend (multithreaded; cinder's custom sparse kernels run here).
    #[default]
    Flex,
    /// The WGPU backend: `None` lets wgpu pick the adapter, `Some(N)` is discrete GPU `N`.
    Wgpu(Option<usize>),
    /// CUDA GPU `N`.
    Cuda(usize),
}

impl DeviceChoice {
    /// The backends compiled into this build, as accepted by [`FromStr`].
    pub fn compiled() -> Vec<&'static str> {
        let mut names = vec!["flex"];
        if cfg!(feature = "wgpu") {
            names.push("wgpu");
        }
        if cfg!(feature = "cuda") {
            names.push("cuda");
        }
        names
    }

    /// The cargo feature that builds this backend in (`None` for Flex, always built).
    pub fn cargo_feature(&self) -> Option<&'static str> {
        match self {
            Self::Flex => None,
            Self::Wgpu(_) => Some("wgpu"),
            Self::Cuda(_) => Some("cuda"),
        }
    }

    /// Builds the device (without autodiff; training calls `.autodiff()` on it) and checks that
    /// it computes: a backend not compiled in is [`NnError::DeviceUnavailable`] naming the cargo
    /// feature to enable, and a compiled backend without a usable adapter (no GPU, no driver) is
    /// the same error with the backend's reason, not a panic.
    pub fn device(&self) -> crate::Result<Device> {
        let device = self.build()?;
        if *self != Self::Flex {
            probe(self, &device)?;
        }
        Ok(device)
    }

    fn build(&self) -> crate::Result<Device> {
        match *self {
            Self::Flex => Ok(Device::flex()),
            #[cfg(feature = "wgpu")]
            Self::Wgpu(index) => Ok(Device::wgpu(match index {
                None => burn::tensor::DeviceKind::DefaultDevice,
                Some(index) => burn::tensor::DeviceKind::DiscreteGpu(index),
            })),
            #[cfg(feature = "cuda")]
            Self::Cuda(index) => Ok(Device::cuda(index)),
            #[allow(unreachable_patterns)]
            _ => Err(NnError::DeviceUnavailable {
                device: self.to_string(),
                reason: format!(
                    "this build of cinder has no {} backend; rebuild with `--features {}` (compiled here: {})",
                    self.backend(),
                    self.cargo_feature().unwrap_or("flex"),
                    Self::compiled().join(", ")
                ),
            }),
        }
    }

    fn backend(&self) -> &'static str {
        match self {
            Self::Flex => "Flex",
            Self::Wgpu(_) => "WGPU",
            Self::Cuda(_) => "CUDA",
        }
    }

    /// A human description for reports, e.g. "Flex (Burn's CPU backend)".
    pub fn describe(&self) -> String {
        match self {
            Self::Flex => "Flex (Burn's CPU backend)".into(),
            Self::Wgpu(None) => "WGPU (default adapter)".into(),
            Self::Wgpu(Some(index)) => format!("WGPU (discrete GPU {index})"),
            Self::Cuda(index) => format!("CUDA (GPU {index})"),
        }
    }
}

/// A device for reports: "Flex (Burn's CPU backend)" for Flex, Burn's own description otherwise.
pub fn describe_device(device: &Device) -> String {
    let debug = format!("{device:?}");
    if debug.contains("Flex") {
        "Flex (Burn's CPU backend)".into()
    } else {
        debug
    }
}

/// Runs one tiny computation on `device`; GPU backends initialise lazily and panic when no
/// adapter is found, so the panic is caught here and turned into an error.
fn probe(choice: &DeviceChoice, device: &Device) -> crate::Result<()> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let x = burn::tensor::Tensor::<1>::from_floats([1.0, 2.0], device);
        x.sum().into_scalar::<f32>()
    }));
    std::panic::set_hook(previous);
    match outcome {
        Ok(sum) if (sum - 3.0).abs() < 1e-6 => Ok(()),
        Ok(sum) => Err(NnError::DeviceUnavailable {
            device: choice.to_string(),
            reason: format!("a test computation returned {sum} instead of 3"),
        }),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "the backend panicked while starting".into());
            Err(NnError::DeviceUnavailable {
                device: choice.to_string(),
                reason: format!("no usable adapter: {message}"),
            })
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flex => write!(f, "flex"),
            Self::Wgpu(None) => write!(f, "wgpu"),
            Self::Wgpu(Some(index)) => write!(f, "wgpu:{index}"),
            Self::Cuda(index) => write!(f, "cuda:{index}"),
        }
    }
}

impl FromStr for DeviceChoice {
    type Err = NnError;

    fn from_str(text: &str) -> crate::Result<Self> {
        let invalid = |reason: String| NnError::InvalidOption {
            option: "device",
            reason,
        };
        let lower = text.trim().to_ascii_lowercase();
        let (name, index) = match lower.split_once(':') {
            Some((name, index)) => {
                let index: usize = index.parse().map_err(|_| {
                    invalid(format!(
                        "{text:?}: the part after ':' must be a device index such as 0"
                    ))
                })?;
                (name, Some(index))
            }
            None => (lower.as_str(), None),
        };
        match (name, index) {
            ("flex" | "cpu", None) => Ok(Self::Flex),
            ("flex" | "cpu", Some(_)) => Err(invalid(format!(
                "{text:?}: flex takes no index (it uses every core; see --threads)"
            ))),
            ("wgpu", index) => Ok(Self::Wgpu(index)),
            ("cuda", index) => Ok(Self::Cuda(index.unwrap_or(0))),
            _ => Err(invalid(format!(
                "{text:?} is not a device: use flex, wgpu, wgpu:N or cuda:N"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for (text, choice) in [
            ("flex", DeviceChoice::Flex),
            ("FLEX", DeviceChoice::Flex),
            ("cpu", DeviceChoice::Flex),
            ("wgpu", DeviceChoice::Wgpu(None)),
            ("wgpu:1", DeviceChoice::Wgpu(Some(1))),
            ("cuda", DeviceChoice::Cuda(0)),
            ("cuda:2", DeviceChoice::Cuda(2)),
        ] {
            assert_eq!(text.parse::<DeviceChoice>().unwrap(), choice, "{text}");
        }
        for choice in [
            DeviceChoice::Flex,
            DeviceChoice::Wgpu(None),
            DeviceChoice::Wgpu(Some(3)),
            DeviceChoice::Cuda(1),
        ] {
            assert_eq!(choice.to_string().parse::<DeviceChoice>().unwrap(), choice);
        }
    }

    #[test]
    fn bad_names_say_what_is_accepted() {
        for text in ["tpu", "wgpu:x", "cuda:-1", "flex:0", ""] {
            let error = text.parse::<DeviceChoice>().unwrap_err().to_string();
            assert!(error.contains("device"), "{text}: {error}");
        }
        let error = "metal".parse::<DeviceChoice>().unwrap_err().to_string();
        assert!(error.contains("flex, wgpu, wgpu:N or cuda:N"), "{error}");
    }

    #[test]
    fn devices_describe_themselves_for_reports() {
        let flex = DeviceChoice::Flex.device().unwrap();
        assert_eq!(describe_device(&flex), "Flex (Burn's CPU backend)");
        assert_eq!(
            describe_device(&flex.autodiff()),
            "Flex (Burn's CPU backend)"
        );
    }

    #[test]
    fn flex_computes() {
        let device = DeviceChoice::Flex.device().unwrap();
        let x = burn::tensor::Tensor::<1>::from_floats([1.0, 2.0, 4.0], &device);
        assert_eq!(x.sum().into_scalar::<f32>(), 7.0);
    }

    #[cfg(not(feature = "wgpu"))]
    #[test]
    fn a_backend_not_built_in_names_its_cargo_feature() {
        let error = DeviceChoice::Wgpu(None).device().unwrap_err().to_string();
        assert!(error.contains("--features wgpu"), "{error}");
        assert!(error.contains("compiled here: flex"), "{error}");
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_not_built_in_names_its_cargo_feature() {
        let error = DeviceChoice::Cuda(0).device().unwrap_err().to_string();
        assert!(error.contains("--features cuda"), "{error}");
    }
}
