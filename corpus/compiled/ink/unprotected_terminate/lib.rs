//! A crowdfunding campaign: backers contribute until the deadline; if the goal
//! is met the creator claims the funds, otherwise backers are refunded. After
//! the campaign the creator can `close` it, removing the contract and sending
//! the remaining balance (storage deposit, dust) to a beneficiary.
//!
//! With `--features vulnerable`, `close` does not check that the caller is the
//! creator, nor that the campaign is over: anyone can terminate the contract
//! mid-campaign and receive every backer's contribution.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod crowdfund {
    use ink::storage::Mapping;

    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        CampaignOver,
        CampaignRunning,
        GoalNotReached,
        GoalReached,
        NothingToRefund,
        NotCreator,
        TransferFailed,
    }

    #[ink(storage)]
    pub struct Crowdfund {
        creator: AccountId,
        goal: Balance,
        deadline: Timestamp,
        raised: Balance,
        claimed: bool,
        contributions: Mapping<AccountId, Balance>,
    }

    impl Crowdfund {
        #[ink(constructor)]
        pub fn new(goal: Balance, duration_ms: Timestamp) -> Self {
            Self {
                creator: Self::env().caller(),
                goal,
                deadline: Self::env().block_timestamp() + duration_ms,
                raised: 0,
                claimed: false,
                contributions: Mapping::default(),
            }
        }

        #[ink(message, payable)]
        pub fn contribute(&mut self) -> Result<(), Error> {
            if self.env().block_timestamp() >= self.deadline {
                return Err(Error::CampaignOver);
            }
            let caller = self.env().caller();
            let amount = self.env().transferred_value();
            let prev = self.contributions.get(caller).unwrap_or(0);
            self.contributions.insert(caller, &(prev + amount));
            self.raised += amount;
            Ok(())
        }

        #[ink(message)]
        pub fn claim(&mut self) -> Result<(), Error> {
            if self.env().caller() != self.creator {
                return Err(Error::NotCreator);
            }
            if self.env().block_timestamp() < self.deadline {
                return Err(Error::CampaignRunning);
            }
            if self.raised < self.goal {
                return Err(Error::GoalNotReached);
            }
            self.claimed = true;
            self.env()
                .transfer(self.creator, self.raised)
                .map_err(|_| Error::TransferFailed)
        }

        #[ink(message)]
        pub fn refund(&mut self) -> Result<(), Error> {
            if self.env().block_timestamp() < self.deadline {
                return Err(Error::CampaignRunning);
            }
            if self.raised >= self.goal {
                return Err(Error::GoalReached);
            }
            let caller = self.env().caller();
            let amount = self.contributions.take(caller).ok_or(Error::NothingToRefund)?;
            self.env()
                .transfer(caller, amount)
                .map_err(|_| Error::TransferFailed)
        }

        /// Removes the finished campaign and sends what is left to `beneficiary`.
        #[ink(message)]
        pub fn close(&mut self, beneficiary: AccountId) -> Result<(), Error> {
            #[cfg(not(feature = "vulnerable"))]
            {
                if self.env().caller() != self.creator {
                    return Err(Error::NotCreator);
                }
                if !self.claimed && self.env().block_timestamp() < self.deadline {
                    return Err(Error::CampaignRunning);
                }
            }
            self.env().terminate_contract(beneficiary)
        }

        #[ink(message)]
        pub fn raised(&self) -> Balance {
            self.raised
        }
    }
}
