//! Time-weighted price oracle: reporters push observations, dapps read a TWAP through the
//! `get_twap` view method.
use near_sdk::json_types::U128;
use near_sdk::store::{LookupMap, Vector};
use near_sdk::{env, near, require, AccountId, PanicOnDefault};

const WINDOW: u32 = 16;

#[near(serializers = [borsh, json])]
#[derive(Clone, Copy)]
pub struct Observation {
    pub price: U128,
    pub timestamp: u64,
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Oracle {
    reporters: LookupMap<AccountId, bool>,
    owner: AccountId,
    observations: Vector<Observation>,
}

#[near]
impl Oracle {
    #[init]
    pub fn new(owner: AccountId) -> Self {
        Self { reporters: LookupMap::new(b"r"), owner, observations: Vector::new(b"o") }
    }

    pub fn add_reporter(&mut self, reporter: AccountId) {
        require!(env::predecessor_account_id() == self.owner, "Owner only");
        self.reporters.insert(reporter, true);
    }

    pub fn report(&mut self, price: U128) {
        require!(self.reporters.contains_key(&env::predecessor_account_id()), "Not a reporter");
        self.observations.push(Observation { price, timestamp: env::block_timestamp() });
    }

    /// View: average of the last WINDOW observations.
    pub fn get_twap(&self) -> U128 {
        let len = self.observations.len();
        require!(len > 0, "No observations");

        #[cfg(feature = "vulnerable")]
        {
            // Cache the average per block so repeated reads are cheap.
            let key = [b"twap:".as_slice(), &env::block_height().to_le_bytes()].concat();
            if let Some(cached) = env::storage_read(&key) {
                return U128(u128::from_le_bytes(cached.try_into().unwrap()));
            }
            let twap = self.compute_twap(len);
            env::storage_write(&key, &twap.to_le_bytes());
            return U128(twap);
        }

        #[cfg(not(feature = "vulnerable"))]
        U128(self.compute_twap(len))
    }
}

impl Oracle {
    fn compute_twap(&self, len: u32) -> u128 {
        let start = len.saturating_sub(WINDOW);
        let mut sum: u128 = 0;
        for i in start..len {
            sum += self.observations[i].price.0;
        }
        sum / (len - start) as u128
    }
}
