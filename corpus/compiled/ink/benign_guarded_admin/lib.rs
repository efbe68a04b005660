//! A small DAO treasury done right: every privileged message goes through
//! `ensure_owner`, upgrades and termination are owner-only, payouts follow
//! checks-effects-interactions and handle the transfer result, and the
//! cross-contract notification disallows reentry.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod guarded_treasury {
    use ink::env::call::{build_call, ExecutionInput, Selector};
    use ink::env::CallFlags;
    use ink::storage::Mapping;

    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        NotOwner,
        Paused,
        InsufficientAllowance,
        TransferFailed,
        NotifyFailed,
    }

    #[ink(storage)]
    pub struct GuardedTreasury {
        owner: AccountId,
        paused: bool,
        allowances: Mapping<AccountId, Balance>,
        auditor: Option<AccountId>,
    }

    impl GuardedTreasury {
        #[ink(constructor, payable)]
        pub fn new(auditor: Option<AccountId>) -> Self {
            Self {
                owner: Self::env().caller(),
                paused: false,
                allowances: Mapping::default(),
                auditor,
            }
        }

        #[ink(message, payable)]
        pub fn fund(&mut self) {}

        #[ink(message)]
        pub fn set_paused(&mut self, paused: bool) -> Result<(), Error> {
            self.ensure_owner()?;
            self.paused = paused;
            Ok(())
        }

        #[ink(message)]
        pub fn grant(&mut self, to: AccountId, amount: Balance) -> Result<(), Error> {
            self.ensure_owner()?;
            self.ensure_not_paused()?;
            let prev = self.allowances.get(to).unwrap_or(0);
            self.allowances.insert(to, &prev.saturating_add(amount));
            Ok(())
        }

        #[ink(message)]
        pub fn spend(&mut self, amount: Balance) -> Result<(), Error> {
            self.ensure_not_paused()?;
            let caller = self.env().caller();
            let allowance = self.allowances.get(caller).unwrap_or(0);
            if allowance < amount {
                return Err(Error::InsufficientAllowance);
            }
            self.allowances.insert(caller, &(allowance - amount));
            self.env()
                .transfer(caller, amount)
                .map_err(|_| Error::TransferFailed)?;
            if let Some(auditor) = self.auditor {
                build_call::<Environment>()
                    .call(auditor)
                    .call_flags(CallFlags::empty())
                    .exec_input(
                        ExecutionInput::new(Selector::new(ink::selector_bytes!("record_spend")))
                            .push_arg(caller)
                            .push_arg(amount),
                    )
                    .returns::<()>()
                    .try_invoke()
                    .map_err(|_| Error::NotifyFailed)?
                    .map_err(|_| Error::NotifyFailed)?;
            }
            Ok(())
        }

        #[ink(message)]
        pub fn upgrade(&mut self, code_hash: Hash) -> Result<(), Error> {
            self.ensure_owner()?;
            self.env()
                .set_code_hash(&code_hash)
                .unwrap_or_else(|err| panic!("set_code_hash failed: {:?}", err));
            Ok(())
        }

        #[ink(message)]
        pub fn dissolve(&mut self) -> Result<(), Error> {
            self.ensure_owner()?;
            self.env().terminate_contract(self.owner)
        }

        fn ensure_owner(&self) -> Result<(), Error> {
            if self.env().caller() != self.owner {
                return Err(Error::NotOwner);
            }
            Ok(())
        }

        fn ensure_not_paused(&self) -> Result<(), Error> {
            if self.paused {
                return Err(Error::Paused);
            }
            Ok(())
        }
    }
}
