//! Industry templates (the spec's phase 2 "Partnership templates"): ready
//! terms and config an invitation may start from, so a business owner does
//! not have to design revenue sharing from scratch (the spec's Risk 3).
//! Plain data, free of I/O.

use serde::Serialize;

use super::domain::{Config, PartnershipType, SettlementFrequency, Sharing, SharingModel, Terms};

/// One template. Shares in basis points, money in cents, as stored terms.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// The business categories it suits (the directory's categories).
    pub categories: &'static [&'static str],
    pub kind: PartnershipType,
    pub model: SharingModel,
    pub a_share_bps: u64,
    pub b_share_bps: u64,
    pub fixed_fee_cents: u64,
    pub bonus_threshold: u64,
    pub bonus_bps: u64,
    pub frequency: SettlementFrequency,
    pub minimum_transaction_cents: Option<u64>,
    pub max_redemption_per_customer: Option<u64>,
}

const BASE: Template = Template {
    id: "",
    name: "",
    description: "",
    categories: &[],
    kind: PartnershipType::PointsCoalition,
    model: SharingModel::Percentage,
    a_share_bps: 0,
    b_share_bps: 0,
    fixed_fee_cents: 0,
    bonus_threshold: 0,
    bonus_bps: 0,
    frequency: SettlementFrequency::Monthly,
    minimum_transaction_cents: None,
    max_redemption_per_customer: None,
};

pub const TEMPLATES: &[Template] = &[
    Template {
        id: "cafe-bakery-coalition",
        name: "Cafe & bakery coalition",
        description: "Neighbouring cafes and bakeries: customers earn and redeem at both; each pays the other 5% of the rewards its customers redeem there.",
        categories: &["cafe", "coffee", "bakery", "breakfast"],
        a_share_bps: 500,
        b_share_bps: 500,
        minimum_transaction_cents: Some(300),
        ..BASE
    },
    Template {
        id: "restaurant-cross-redemption",
        name: "Restaurant cross-redemption",
        description: "Restaurants that accept each other's rewards: redeem only, 7.5% of the reward value each way, settled monthly.",
        categories: &["restaurant", "pizza", "italian", "casual-dining"],
        kind: PartnershipType::CrossRedemption,
        a_share_bps: 750,
        b_share_bps: 750,
        minimum_transaction_cents: Some(1000),
        max_redemption_per_customer: Some(4),
        ..BASE
    },
    Template {
        id: "retail-referral",
        name: "Retail referral",
        description: "Shops that send customers to each other: a fixed $2.00 per referred purchase, settled monthly.",
        categories: &["retail", "clothing", "books", "gifts"],
        kind: PartnershipType::ReferralOnly,
        model: SharingModel::FixedFee,
        fixed_fee_cents: 200,
        minimum_transaction_cents: Some(2000),
        ..BASE
    },
    Template {
        id: "fitness-wellness-hybrid",
        name: "Fitness & wellness growth",
        description: "Gyms, studios and health food: 3% of redemptions, 5% once the pair passes 100 qualifying transactions in a quarter.",
        categories: &["fitness", "gym", "yoga", "wellness", "health-food"],
        model: SharingModel::Hybrid,
        a_share_bps: 300,
        bonus_threshold: 100,
        bonus_bps: 500,
        frequency: SettlementFrequency::Quarterly,
        ..BASE
    },
    Template {
        id: "travel-hospitality",
        name: "Travel & hospitality",
        description: "Hotels and the restaurants or tours their guests use: redeem only, $1.50 per redemption, settled quarterly.",
        categories: &["hotel", "travel", "tours", "restaurant"],
        kind: PartnershipType::CrossRedemption,
        model: SharingModel::FixedFee,
        fixed_fee_cents: 150,
        frequency: SettlementFrequency::Quarterly,
        max_redemption_per_customer: Some(10),
        ..BASE
    },
];

pub fn find(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

/// The templates suiting a category (all without one).
pub fn for_category(category: Option<&str>) -> Vec<&'static Template> {
    let category = category.map(|c| c.trim().to_ascii_lowercase());
    TEMPLATES.iter().filter(|t| category.as_deref().is_none_or(|c| t.categories.contains(&c))).collect()
}

impl Template {
    pub fn terms(&self) -> Terms {
        let sharing = match self.model {
            SharingModel::Percentage => {
                Sharing::Percentage { business_a_share_bps: self.a_share_bps, business_b_share_bps: self.b_share_bps }
            }
            SharingModel::FixedFee => Sharing::FixedFee { fee_cents: self.fixed_fee_cents },
            SharingModel::Hybrid => Sharing::Hybrid {
                base_bps: self.a_share_bps,
                bonus_threshold: self.bonus_threshold,
                bonus_bps: self.bonus_bps,
            },
        };
        Terms { sharing, settlement_frequency: self.frequency }
    }

    pub fn config(&self) -> Config {
        Config {
            minimum_transaction_cents: self.minimum_transaction_cents,
            max_redemption_per_customer: self.max_redemption_per_customer,
            ..Config::default()
        }
    }

    /// As `GET /api/v1/partnerships/templates` shows it: the same fields an
    /// invitation takes, so a client can copy them.
    pub fn view(&self) -> TemplateView {
        TemplateView {
            id: self.id,
            name: self.name,
            description: self.description,
            categories: self.categories,
            kind: self.kind,
            revenue_sharing_terms: self.terms().view(),
            config: self.config().view(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub categories: &'static [&'static str],
    #[serde(rename = "type")]
    pub kind: PartnershipType,
    pub revenue_sharing_terms: serde_json::Value,
    pub config: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partnerships::domain::TermsRequest;

    #[test]
    fn every_template_is_valid_terms_when_sent_back_as_a_request() {
        for t in TEMPLATES {
            let view = t.view();
            let again: TermsRequest = serde_json::from_value(view.revenue_sharing_terms.clone()).unwrap();
            assert_eq!(again.validate().unwrap(), t.terms(), "{}", t.id);
            let config: crate::partnerships::domain::ConfigRequest =
                serde_json::from_value(view.config.clone()).unwrap();
            assert_eq!(config.validate().unwrap(), t.config(), "{}", t.id);
        }
        let ids: std::collections::BTreeSet<_> = TEMPLATES.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), TEMPLATES.len(), "ids are unique");
        assert_eq!(for_category(Some("Cafe")).len(), 1);
        assert_eq!(for_category(None).len(), TEMPLATES.len());
    }
}
