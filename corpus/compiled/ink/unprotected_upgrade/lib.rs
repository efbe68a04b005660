//! A name registry (domain -> owner, resolver address) with in-place upgrades
//! through `set_code_hash`, following the ink! `upgradeable-contracts` example.
//!
//! With `--features vulnerable`, `upgrade` forgets to check that the caller is
//! the admin, so anyone can swap in their own code (and with it the storage of
//! every registered name).
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod registry {
    use ink::prelude::string::String;
    use ink::storage::Mapping;

    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        NameTaken,
        NotNameOwner,
        NotAdmin,
        FeeTooLow,
    }

    #[derive(Clone)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Record {
        owner: AccountId,
        resolver: AccountId,
        registered_at: BlockNumber,
    }

    #[ink(storage)]
    pub struct Registry {
        admin: AccountId,
        fee: Balance,
        records: Mapping<String, Record>,
        version: u32,
    }

    #[ink(event)]
    pub struct Upgraded {
        #[ink(topic)]
        code_hash: Hash,
    }

    impl Registry {
        #[ink(constructor)]
        pub fn new(fee: Balance) -> Self {
            Self {
                admin: Self::env().caller(),
                fee,
                records: Mapping::default(),
                version: 1,
            }
        }

        #[ink(message, payable)]
        pub fn register(&mut self, name: String, resolver: AccountId) -> Result<(), Error> {
            if self.env().transferred_value() < self.fee {
                return Err(Error::FeeTooLow);
            }
            if self.records.contains(&name) {
                return Err(Error::NameTaken);
            }
            let record = Record {
                owner: self.env().caller(),
                resolver,
                registered_at: self.env().block_number(),
            };
            self.records.insert(&name, &record);
            Ok(())
        }

        #[ink(message)]
        pub fn set_resolver(&mut self, name: String, resolver: AccountId) -> Result<(), Error> {
            let mut record = self.records.get(&name).ok_or(Error::NotNameOwner)?;
            if record.owner != self.env().caller() {
                return Err(Error::NotNameOwner);
            }
            record.resolver = resolver;
            self.records.insert(&name, &record);
            Ok(())
        }

        #[ink(message)]
        pub fn resolve(&self, name: String) -> Option<AccountId> {
            self.records.get(&name).map(|r| r.resolver)
        }

        #[ink(message)]
        pub fn set_fee(&mut self, fee: Balance) -> Result<(), Error> {
            if self.env().caller() != self.admin {
                return Err(Error::NotAdmin);
            }
            self.fee = fee;
            Ok(())
        }

        /// Switches this contract to new code, keeping the storage.
        #[ink(message)]
        pub fn upgrade(&mut self, code_hash: Hash) -> Result<(), Error> {
            #[cfg(not(feature = "vulnerable"))]
            if self.env().caller() != self.admin {
                return Err(Error::NotAdmin);
            }
            self.env().set_code_hash(&code_hash).unwrap_or_else(|err| {
                panic!("Failed to `set_code_hash` to {:?} due to {:?}", code_hash, err)
            });
            self.version += 1;
            self.env().emit_event(Upgraded { code_hash });
            Ok(())
        }
    }
}
