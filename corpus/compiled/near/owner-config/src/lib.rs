//! Marketplace fee configuration. The owner sets the fee and the treasury, and can hand
//! ownership over to another account.
use near_sdk::json_types::U128;
use near_sdk::store::LookupMap;
use near_sdk::{env, log, near, require, AccountId, NearToken, PanicOnDefault, Promise};

const MAX_FEE_BPS: u16 = 1_000;

#[near(serializers = [borsh, json])]
#[derive(Clone)]
pub struct Listing {
    pub seller: AccountId,
    pub price: U128,
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Marketplace {
    owner_id: AccountId,
    treasury: AccountId,
    fee_bps: u16,
    listings: LookupMap<u64, Listing>,
    next_listing: u64,
}

#[near]
impl Marketplace {
    #[init]
    pub fn new(owner_id: AccountId, treasury: AccountId) -> Self {
        Self {
            owner_id,
            treasury,
            fee_bps: 250,
            listings: LookupMap::new(b"l"),
            next_listing: 0,
        }
    }

    pub fn list(&mut self, price: U128) -> u64 {
        let id = self.next_listing;
        self.next_listing += 1;
        self.listings.insert(id, Listing { seller: env::predecessor_account_id(), price });
        id
    }

    #[payable]
    pub fn buy(&mut self, listing_id: u64) -> Promise {
        let listing = self.listings.remove(&listing_id).expect("No such listing");
        let paid = env::attached_deposit();
        require!(paid.as_yoctonear() >= listing.price.0, "Not enough deposit");
        let fee = listing.price.0 * self.fee_bps as u128 / 10_000;
        Promise::new(self.treasury.clone())
            .transfer(NearToken::from_yoctonear(fee))
            .and(Promise::new(listing.seller).transfer(NearToken::from_yoctonear(listing.price.0 - fee)))
    }

    pub fn set_fee(&mut self, fee_bps: u16) {
        self.assert_owner();
        require!(fee_bps <= MAX_FEE_BPS, "Fee too high");
        self.fee_bps = fee_bps;
    }

    pub fn set_treasury(&mut self, treasury: AccountId) {
        self.assert_owner();
        self.treasury = treasury;
    }

    pub fn set_owner(&mut self, new_owner: AccountId) {
        #[cfg(not(feature = "vulnerable"))]
        self.assert_owner();
        log!("Owner changed from {} to {}", self.owner_id, new_owner);
        self.owner_id = new_owner;
    }

    pub fn get_owner(&self) -> AccountId {
        self.owner_id.clone()
    }

    pub fn get_fee(&self) -> u16 {
        self.fee_bps
    }

    pub fn get_listing(&self, listing_id: u64) -> Option<Listing> {
        self.listings.get(&listing_id).cloned()
    }
}

impl Marketplace {
    fn assert_owner(&self) {
        require!(env::predecessor_account_id() == self.owner_id, "Only the owner can call this method");
    }
}
