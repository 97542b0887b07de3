//! The tile layers and the comma-separated lists that name them in URLs.

use std::fmt;

/// One layer of the camera tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// A point per active camera.
    Cameras,
    /// The field-of-view wedge of each camera with a facing.
    CameraFov,
    /// Counts of cameras on a grid.
    Coverage,
}

impl Layer {
    /// Every layer, in the order TileJSON lists them.
    pub const ALL: [Layer; 3] = [Layer::Cameras, Layer::CameraFov, Layer::Coverage];

    /// The name in URLs and in the tile.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Cameras => "cameras",
            Layer::CameraFov => "camera_fov",
            Layer::Coverage => "coverage",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Layer::Cameras => 1,
            Layer::CameraFov => 2,
            Layer::Coverage => 4,
        }
    }
}

/// A non-empty set of layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerSet(u8);

/// Why a layer list is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayerListError {
    /// A name that is not a layer (404: no such resource).
    #[error("unknown layer {0:?}; the layers are cameras, camera_fov and coverage")]
    Unknown(String),
    /// Empty, an empty name, or far too long (400).
    #[error("{0}")]
    Malformed(&'static str),
}

impl LayerSet {
    /// Just `layer`.
    pub fn only(layer: Layer) -> LayerSet {
        LayerSet(layer.bit())
    }

    /// Whether `layer` is in the set.
    pub fn contains(self, layer: Layer) -> bool {
        self.0 & layer.bit() != 0
    }

    /// The layers, in [`Layer::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Layer> {
        Layer::ALL.into_iter().filter(move |l| self.contains(*l))
    }

    /// A compact code for cache keys.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Every set there is, for evicting a tile in all its layer combinations.
    pub fn every() -> impl Iterator<Item = LayerSet> {
        (1..8).map(LayerSet)
    }

    /// Parses `cameras,camera_fov`. Names may repeat; at most as many names as layers exist.
    pub fn parse(list: &str) -> Result<LayerSet, LayerListError> {
        if list.is_empty() {
            return Err(LayerListError::Malformed("no layer named"));
        }
        if list.split(',').nth(Layer::ALL.len()).is_some() {
            return Err(LayerListError::Malformed(
                "too many layers: name at most 3 (cameras, camera_fov, coverage), comma separated",
            ));
        }
        let mut bits = 0;
        for name in list.split(',') {
            if name.is_empty() {
                return Err(LayerListError::Malformed("empty layer name in the list"));
            }
            let layer = Layer::ALL
                .into_iter()
                .find(|l| l.name() == name)
                .ok_or_else(|| LayerListError::Unknown(name.chars().take(40).collect()))?;
            bits |= layer.bit();
        }
        Ok(LayerSet(bits))
    }
}

impl fmt::Display for LayerSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.iter().map(Layer::name).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_refuse() {
        let set = LayerSet::parse("camera_fov,cameras").unwrap();
        assert_eq!(set.to_string(), "cameras,camera_fov");
        assert_eq!(
            LayerSet::parse("cameras,cameras").unwrap(),
            LayerSet::only(Layer::Cameras)
        );
        assert!(
            matches!(LayerSet::parse("owners"), Err(LayerListError::Unknown(n)) if n == "owners")
        );
        assert!(matches!(
            LayerSet::parse(""),
            Err(LayerListError::Malformed(_))
        ));
        assert!(matches!(
            LayerSet::parse("cameras,"),
            Err(LayerListError::Malformed(_))
        ));
        let long = vec!["cameras"; 1000].join(",");
        assert!(matches!(
            LayerSet::parse(&long),
            Err(LayerListError::Malformed(_))
        ));
        assert_eq!(LayerSet::every().count(), 7);
    }
}
